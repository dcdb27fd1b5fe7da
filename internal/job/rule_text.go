package job

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// unitNames name one period of each frequency.
var unitNames = map[rrule.Frequency]string{
	rrule.YEARLY:   "year",
	rrule.MONTHLY:  "month",
	rrule.WEEKLY:   "week",
	rrule.DAILY:    "day",
	rrule.HOURLY:   "hour",
	rrule.MINUTELY: "minute",
}

// textTime and textDate are how the recurrence column shows a start and an
// end; the zone abbreviation tells a reader whose clock the times are on.
const (
	textTime = "2 Jan 2006 15:04 MST"
	textDate = "2 Jan 2006"
)

// Text describes the rule as Junos Space's recurrence column does, for
// example "Every 1 day from 25 Nov 2026 02:30 CET until 31 Dec 2026" or
// "Every 2 weeks on Monday, Wednesday from 2 Mar 2026 09:00 CET, 5 times".
// An UNTIL at the last second of a day shows as that date alone.
func (r *Rule) Text() string {
	var b strings.Builder
	b.WriteString("Every " + r.period())
	if len(r.bymonth) > 0 {
		names := make([]string, len(r.bymonth))
		for i, m := range r.bymonth {
			names[i] = time.Month(m).String()
		}
		b.WriteString(" in " + strings.Join(names, ", "))
	}
	if len(r.byweekno) > 0 {
		b.WriteString(" in week " + joinInts(r.byweekno, strconv.Itoa))
	}
	var on []string
	if len(r.byday) > 0 {
		days := make([]string, len(r.byday))
		for i, d := range r.byday {
			days[i] = d.text()
		}
		on = append(on, strings.Join(days, ", "))
	}
	if len(r.bymonthday) > 0 {
		on = append(on, "day "+joinInts(endLast(r.bymonthday), fromEnd))
	}
	if len(r.byyearday) > 0 {
		on = append(on, "day "+joinInts(endLast(r.byyearday), fromEnd)+" of the year")
	}
	if len(on) > 0 {
		b.WriteString(" on " + strings.Join(on, ", "))
	}
	b.WriteString(r.clockText())
	if len(r.bysetpos) > 0 {
		fmt.Fprintf(&b, ", only the %s of each %s", joinInts(r.bysetpos, ordinalFromEnd), unitNames[r.freq])
	}
	b.WriteString(" from " + r.start.Format(textTime))
	switch {
	case !r.until.IsZero():
		u := r.until.In(r.loc)
		if h, m, s := u.Clock(); h == 23 && m == 59 && s == 59 {
			b.WriteString(" until " + u.Format(textDate))
		} else {
			b.WriteString(" until " + u.Format(textTime))
		}
	case r.count == 1:
		b.WriteString(", 1 time")
	case r.count > 1:
		fmt.Fprintf(&b, ", %d times", r.count)
	}
	return b.String()
}

// period names the rule's period: "1 day", "2 weeks".
func (r *Rule) period() string {
	unit := unitNames[r.freq]
	if r.interval != 1 {
		unit += "s"
	}
	return strconv.Itoa(r.interval) + " " + unit
}

// clockText describes BYHOUR, BYMINUTE and BYSECOND. For daily and longer
// rules a few times of day read best as clock times ("at 09:00, 17:30");
// otherwise the parts are listed on their own.
func (r *Rule) clockText() string {
	if len(r.byhour)+len(r.byminute)+len(r.bysecond) == 0 {
		return ""
	}
	s := r.startWall
	hours, minutes, seconds := orDefault(r.byhour, s.Hour()), orDefault(r.byminute, s.Minute()), orDefault(r.bysecond, s.Second())
	if r.freq < rrule.HOURLY && len(hours)*len(minutes)*len(seconds) <= 6 {
		var times []string
		for _, h := range hours {
			for _, m := range minutes {
				for _, sec := range seconds {
					t := fmt.Sprintf("%02d:%02d", h, m)
					if sec != 0 {
						t += fmt.Sprintf(":%02d", sec)
					}
					times = append(times, t)
				}
			}
		}
		return " at " + strings.Join(times, ", ")
	}
	var parts []string
	if len(r.byhour) > 0 {
		parts = append(parts, "in hour "+joinInts(r.byhour, strconv.Itoa))
	}
	if len(r.byminute) > 0 {
		parts = append(parts, "at minute "+joinInts(r.byminute, strconv.Itoa))
	}
	if len(r.bysecond) > 0 {
		parts = append(parts, "at second "+joinInts(r.bysecond, strconv.Itoa))
	}
	return " " + strings.Join(parts, ", ")
}

func orDefault(v []int, d int) []int {
	if len(v) == 0 {
		return []int{d}
	}
	return v
}

func joinInts(v []int, format func(int) string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = format(n)
	}
	return strings.Join(s, ", ")
}

// endLast orders day numbers as a reader counts them: from the start, then
// from the end (1, 15, last, 2nd last).
func endLast(v []int) []int {
	out := make([]int, 0, len(v))
	for _, n := range v {
		if n > 0 {
			out = append(out, n)
		}
	}
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] < 0 {
			out = append(out, v[i])
		}
	}
	return out
}

// fromEnd shows a day number, counting negative ones from the end: -1 is
// "last", -2 "2nd last".
func fromEnd(n int) string {
	switch {
	case n == -1:
		return "last"
	case n < 0:
		return ordinal(-n) + " last"
	}
	return strconv.Itoa(n)
}

// ordinalFromEnd is fromEnd with ordinals: 1 is "1st", -1 "last".
func ordinalFromEnd(n int) string {
	if n < 0 {
		return fromEnd(n)
	}
	return ordinal(n)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// text shows a BYDAY value: "Monday", "the 2nd Monday", "the last Friday".
func (d weekdayNum) text() string {
	if d.n == 0 {
		return d.day.String()
	}
	return "the " + ordinalFromEnd(d.n) + " " + d.day.String()
}
