package job

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/teambition/rrule-go"
)

// check refuses combinations RFC 5545 forbids and rules that can never
// occur. The latter matters beyond a clear message: rrule-go searches for
// a matching hour or minute without end, so an HOURLY rule with INTERVAL=2
// and an odd BYHOUR from an even start would hang the caller.
func (r *Rule) check() error {
	f := r.freq
	withNumber := slices.ContainsFunc(r.byday, func(d weekdayNum) bool { return d.n != 0 })
	switch {
	case withNumber && f != rrule.MONTHLY && f != rrule.YEARLY:
		return fmt.Errorf("BYDAY with a number (like 2MO) needs FREQ=MONTHLY or YEARLY, not %s", f)
	case withNumber && f == rrule.YEARLY && len(r.byweekno) > 0:
		return errors.New("BYDAY with a number (like 2MO) cannot be combined with BYWEEKNO")
	case withNumber && slices.ContainsFunc(r.byday, func(d weekdayNum) bool { return f == rrule.MONTHLY && (d.n > 5 || d.n < -5) }):
		return errors.New("BYDAY with FREQ=MONTHLY numbers weekdays from -5 to 5")
	case len(r.bymonthday) > 0 && f == rrule.WEEKLY:
		return errors.New("BYMONTHDAY cannot be used with FREQ=WEEKLY")
	case len(r.byyearday) > 0 && (f == rrule.DAILY || f == rrule.WEEKLY || f == rrule.MONTHLY):
		return fmt.Errorf("BYYEARDAY cannot be used with FREQ=%s", f)
	case len(r.byweekno) > 0 && f != rrule.YEARLY:
		return fmt.Errorf("BYWEEKNO needs FREQ=YEARLY, not %s", f)
	case len(r.bysetpos) > 0 && len(r.bymonth)+len(r.byweekno)+len(r.byyearday)+len(r.bymonthday)+
		len(r.byday)+len(r.byhour)+len(r.byminute)+len(r.bysecond) == 0:
		return errors.New("BYSETPOS needs another BY… part to pick from")
	}
	if len(r.bysetpos) > 0 && f != rrule.WEEKLY && f != rrule.MONTHLY && f != rrule.YEARLY {
		return fmt.Errorf("BYSETPOS needs FREQ=WEEKLY, MONTHLY or YEARLY, not %s", f)
	}
	if n := r.maxSetSize(); len(r.bysetpos) > 0 && !slices.ContainsFunc(r.bysetpos, func(p int) bool { return p <= n && -p <= n }) {
		return fmt.Errorf("RRULE has no occurrences: a %s has at most %d candidates for BYSETPOS", unitNames[f], n)
	}
	if !r.monthDayExists() {
		return errors.New("RRULE has no occurrences: no month it allows has the day of month it asks for")
	}
	if !r.clockReachable() {
		return fmt.Errorf("RRULE has no occurrences: every %s from %s never reaches the hours or minutes it asks for",
			r.period(), r.startWall.Format("15:04"))
	}
	return nil
}

// maxSetSize bounds how many occurrences one period of a WEEKLY, MONTHLY or
// YEARLY rule can have before BYSETPOS picks from them. rrule-go looks for a
// period with enough of them until the year 9999, which for a BYSETPOS
// beyond every period takes seconds, so such a rule is refused.
func (r *Rule) maxSetSize() int {
	days := map[rrule.Frequency]int{rrule.WEEKLY: 7, rrule.MONTHLY: 31, rrule.YEARLY: 366}[r.freq]
	perDay := max(len(r.byhour), 1) * max(len(r.byminute), 1) * max(len(r.bysecond), 1)
	if n := len(r.byday); n > 0 {
		per := map[rrule.Frequency]int{rrule.WEEKLY: 1, rrule.MONTHLY: 5, rrule.YEARLY: 53}[r.freq]
		days = min(days, n*per)
	}
	if n := len(r.bymonthday); n > 0 && r.freq != rrule.WEEKLY {
		days = min(days, n*map[rrule.Frequency]int{rrule.MONTHLY: 1, rrule.YEARLY: 12}[r.freq])
	}
	if n := len(r.byyearday); n > 0 {
		days = min(days, n)
	}
	return days * perDay
}

// monthDayExists reports whether some allowed month has some allowed day
// of the month (counting February as 29 days), with the defaults rrule-go
// takes from DTSTART.
func (r *Rule) monthDayExists() bool {
	o := r.options(r.startWall)
	if len(o.Bymonthday) == 0 {
		return true
	}
	months := o.Bymonth
	if len(months) == 0 {
		months = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	}
	for _, m := range months {
		days := time.Date(2000, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() // 2000 is a leap year
		for _, d := range o.Bymonthday {
			if d <= days && -d <= days {
				return true
			}
		}
	}
	return false
}

// clockReachable reports whether an HOURLY or MINUTELY rule ever reaches an
// hour and minute its BYHOUR and BYMINUTE allow. Its steps of INTERVAL hours
// or minutes from DTSTART only reach times of day a multiple of
// gcd(step, 1 day) away from DTSTART's.
func (r *Rule) clockReachable() bool {
	var step int
	minutes := []int{r.startWall.Minute()}
	switch r.freq {
	case rrule.HOURLY:
		step = 3600
	case rrule.MINUTELY:
		step = 60
		if len(r.byminute) > 0 {
			minutes = r.byminute
		} else {
			minutes = seq(0, 59)
		}
	default:
		return true
	}
	hours := r.byhour
	if len(hours) == 0 {
		hours = seq(0, 23)
	}
	g := gcd(r.interval*step, 86400)
	s := r.startWall
	s0 := s.Hour()*3600 + s.Minute()*60 + s.Second()
	for _, h := range hours {
		for _, m := range minutes {
			if ((h*3600+m*60+s.Second()-s0)%g+g)%g == 0 {
				return true
			}
		}
	}
	return false
}

func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
