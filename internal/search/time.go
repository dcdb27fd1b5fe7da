package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// localLayouts are the times without a zone, read as wall-clock times in
// the zone given to Parse. The first is a whole day. Fractional seconds
// are accepted after the seconds of the last two.
var localLayouts = []string{
	"2006-01-02",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
}

const timeWant = `expected a time such as 2026-11-01, "2026-11-02 10:00", 2026-11-02T10:00:00Z or -24h`

// parseTime reads an after or before value: RFC 3339, a local date or date
// and time in loc, or a time relative to now. It returns the instant in
// UTC, or what was expected instead.
func parseTime(s string, now time.Time, loc *time.Location) (time.Time, string) {
	var t time.Time
	if rel, ok := strings.CutPrefix(s, "-"); ok {
		if t, ok = relativeTime(rel, now, loc); !ok {
			return time.Time{}, fmt.Sprintf("%s, not %q (a relative time is a minus, up to 6 digits and one of s, m, h, d, w)", timeWant, s)
		}
	} else if rt, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t = rt
	} else {
		found := false
		for i, layout := range localLayouts {
			wall, err := time.Parse(layout, s)
			if err != nil {
				continue
			}
			if t, found = localTime(wall, loc, i == 0); !found {
				return time.Time{}, fmt.Sprintf("expected a time that exists in %s, not %s, which the clocks skip when they go forward", loc, s)
			}
			break
		}
		if !found {
			return time.Time{}, fmt.Sprintf("%s, not %q", timeWant, s)
		}
	}
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, "expected a time between the years 1 and 9999"
	}
	return t, ""
}

// relativeTime reads the part after the minus of -30s, -30m, -24h, -7d or
// -2w. Days and weeks are calendar days in loc, so that -1d at 10:00 is
// 10:00 yesterday also across a daylight saving change; s, m and h are
// exact durations.
func relativeTime(s string, now time.Time, loc *time.Location) (time.Time, bool) {
	if len(s) < 2 || len(s) > 7 {
		return time.Time{}, false
	}
	digits, unit := s[:len(s)-1], s[len(s)-1]
	if strings.Trim(digits, "0123456789") != "" {
		return time.Time{}, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return time.Time{}, false
	}
	switch unit {
	case 's':
		return now.Add(-time.Duration(n) * time.Second), true
	case 'm':
		return now.Add(-time.Duration(n) * time.Minute), true
	case 'h':
		return now.Add(-time.Duration(n) * time.Hour), true
	case 'd':
		return now.In(loc).AddDate(0, 0, -n), true
	case 'w':
		return now.In(loc).AddDate(0, 0, -7*n), true
	}
	return time.Time{}, false
}

// localTime finds the instant at which the clocks of loc show wall (whose
// fields are read, its zone ignored).
//
// Around daylight saving changes a wall-clock time can occur twice or not
// at all. A time that occurs twice is the earlier instant, so that
// "after:" includes the whole repeated hour. A time that does not occur is
// refused (false) rather than moved: the user named a moment that never
// happened and should pick another. A whole day (dateOnly) whose midnight
// the clocks skip starts when they jump; only a day skipped entirely, as
// Samoa skipped 2011-12-30, is refused.
func localTime(wall time.Time, loc *time.Location, dateOnly bool) (time.Time, bool) {
	var best time.Time
	found := false
	// Try the offsets in force around wall; zones change offset at most a
	// few times a year, so two days either side see every candidate.
	for d := -2; d <= 2; d++ {
		_, off := wall.Add(time.Duration(d) * 24 * time.Hour).In(loc).Zone()
		c := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(c.In(loc), wall) && (!found || c.Before(best)) {
			best, found = c, true
		}
	}
	if found || !dateOnly {
		return best, found
	}
	// Midnight is skipped: the day starts at the transition, which bounds
	// the zone period of wherever time.Date put the missing midnight.
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), 0, 0, 0, 0, loc)
	start, end := t.ZoneBounds()
	jump := end
	if y, m, d := t.Date(); y == wall.Year() && m == wall.Month() && d == wall.Day() {
		jump = start
	}
	if y, m, d := jump.In(loc).Date(); jump.IsZero() || y != wall.Year() || m != wall.Month() || d != wall.Day() {
		return time.Time{}, false
	}
	return jump, true
}

// sameWall reports whether t shows the date and clock of wall.
func sameWall(t, wall time.Time) bool {
	y1, m1, d1 := t.Date()
	y2, m2, d2 := wall.Date()
	h1, i1, s1 := t.Clock()
	h2, i2, s2 := wall.Clock()
	return y1 == y2 && m1 == m2 && d1 == d2 && h1 == h2 && i1 == i2 && s1 == s2 && t.Nanosecond() == wall.Nanosecond()
}
