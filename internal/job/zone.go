package job

import "time"

// A recurrence is computed on wall clocks, not instants: "every day at
// 02:30" means 02:30 on the clock of the rule's time zone, whatever the UTC
// offset is that day. The rule is therefore evaluated with its local dates
// and times held in UTC (where every day has 24 hours and every time exists),
// and each result is then placed in the real zone by resolve.

// wallClock returns the date and time t shows in its own location, held in
// UTC.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// resolve returns the instant at which a clock in loc shows the date and
// time w holds in UTC, following RFC 5545 section 3.3.5: a time that occurs
// twice (when clocks go back) means its first occurrence, and a time that
// does not exist (when clocks go forward) is interpreted with the offset
// from before the gap, which moves it forward by the length of the gap
// (02:30 on the day Berlin skips from 02:00 to 03:00 becomes 03:30 CEST).
//
// time.Date leaves both cases unspecified, and in practice picks the second
// occurrence of a repeated time, so it is not used for this.
func resolve(w time.Time, loc *time.Location) time.Time {
	if loc == time.UTC {
		return w
	}
	u := w.Unix()
	// Offsets in force a day either side of the wall clock cover both
	// sides of any one transition near it.
	var best int64
	found := false
	for _, probe := range [...]int64{u - 86400, u, u + 86400} {
		off := offsetAt(probe, loc)
		c := u - off
		if offsetAt(c, loc) == off && (!found || c < best) {
			best, found = c, true
		}
	}
	if !found {
		best = u - offsetAt(u-86400, loc)
	}
	return time.Unix(best, int64(w.Nanosecond())).In(loc)
}

// offsetAt returns the UTC offset of loc, in seconds, at the Unix time u.
func offsetAt(u int64, loc *time.Location) int64 {
	_, off := time.Unix(u, 0).In(loc).Zone()
	return int64(off)
}
