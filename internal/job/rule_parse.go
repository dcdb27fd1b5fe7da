package job

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// MaxRuleText is the longest recurrence text ParseRule accepts, in bytes.
// One DTSTART and one RRULE fit in a fraction of it; the limit only keeps a
// client from storing a novel in the recurrence column.
const MaxRuleText = 1000

// The RFC 5545 DATE-TIME and DATE forms.
const (
	localLayout = "20060102T150405"
	utcLayout   = "20060102T150405Z"
	dateLayout  = "20060102"
)

// maxInterval keeps INTERVAL far from any overflow in period arithmetic;
// no job recurs less often than every 10,000 minutes, days or years.
const maxInterval = 10000

// ParseRule parses a recurrence of one DTSTART and one RRULE line, in either
// order, with lines ended by "\r\n" or "\n" and RFC 5545 line folding.
//
// DTSTART is a local date and time with a TZID, a UTC time ending in Z, or
// a floating local time, which Logbook takes as UTC because a job runs on a
// server whose zone the user does not see. UNTIL may be a UTC time, a local
// time in DTSTART's zone, or a date (meaning the end of that day there).
// RDATE and EXDATE, FREQ=SECONDLY and VALUE=DATE starts are refused rather
// than half supported.
func ParseRule(text string) (*Rule, error) {
	if len(text) > MaxRuleText {
		return nil, fmt.Errorf("recurrence is %d bytes; at most %d are allowed", len(text), MaxRuleText)
	}
	var dtstart, rrulePart string
	var haveStart, haveRule bool
	for _, line := range unfold(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		i := strings.IndexAny(line, ";:")
		if i < 0 {
			return nil, fmt.Errorf("recurrence line %q has no \":\"", line)
		}
		switch name := strings.ToUpper(strings.TrimSpace(line[:i])); name {
		case "DTSTART":
			if haveStart {
				return nil, errors.New("recurrence has more than one DTSTART line")
			}
			dtstart, haveStart = line[i:], true
		case "RRULE":
			if haveRule {
				return nil, errors.New("recurrence has more than one RRULE line")
			}
			rrulePart, haveRule = line[i:], true
		default:
			return nil, fmt.Errorf("recurrence line %s is not supported; only DTSTART and RRULE are", name)
		}
	}
	if !haveStart {
		return nil, errors.New("recurrence has no DTSTART line")
	}
	if !haveRule {
		return nil, errors.New("recurrence has no RRULE line")
	}
	r := &Rule{interval: 1, wkst: time.Monday}
	if err := r.parseStart(dtstart); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(rrulePart, ":") {
		return nil, errors.New("RRULE parameters are not supported; write RRULE:FREQ=…")
	}
	if err := r.parseRule(strings.TrimSpace(rrulePart[1:])); err != nil {
		return nil, err
	}
	return r, nil
}

// unfold splits text into lines and joins RFC 5545 folded lines (a line
// that starts with a space or tab continues the one before it).
func unfold(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if len(lines) > 0 && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// parseStart parses what follows the name DTSTART: ";TZID=zone:value" or
// ":value".
func (r *Rule) parseStart(s string) error {
	i := strings.Index(s, ":")
	if i < 0 {
		return errors.New("DTSTART has no value")
	}
	params, value := s[:i], strings.TrimSpace(s[i+1:])
	r.loc = time.UTC
	for _, p := range strings.Split(strings.TrimPrefix(params, ";"), ";") {
		key, val, _ := strings.Cut(p, "=")
		switch strings.ToUpper(strings.TrimSpace(key)) {
		case "":
		case "TZID":
			name := strings.Trim(strings.TrimSpace(val), `"`)
			if name == "" || name == "Local" {
				return fmt.Errorf("unknown time zone %q", name)
			}
			loc, err := time.LoadLocation(name)
			if err != nil {
				return fmt.Errorf("unknown time zone %q", name)
			}
			r.loc = loc
			if loc != time.UTC {
				r.tzid = name
			}
		case "VALUE":
			if !strings.EqualFold(val, "DATE-TIME") {
				return fmt.Errorf("DTSTART must be a date and time, not VALUE=%s", val)
			}
		default:
			return fmt.Errorf("DTSTART parameter %s is not supported", key)
		}
	}
	var err error
	switch {
	case strings.HasSuffix(value, "Z"):
		if r.tzid != "" {
			return fmt.Errorf("DTSTART has both TZID=%s and a UTC time %s; use one", r.tzid, value)
		}
		r.loc = time.UTC
		r.startWall, err = time.Parse(utcLayout, value)
	default:
		r.startWall, err = time.Parse(localLayout, value)
	}
	if err != nil {
		return fmt.Errorf("DTSTART %q is not a date and time like 20300328T023000", value)
	}
	r.start = resolve(r.startWall, r.loc)
	return nil
}

// parseRule parses the value of the RRULE line. Names and values are case
// insensitive; errors quote the part as the client wrote it.
func (r *Rule) parseRule(s string) error {
	seen := map[string]bool{}
	haveFreq := false
	var until string
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok || val == "" {
			return partError(part, "has no value")
		}
		key, upper := strings.ToUpper(strings.TrimSpace(key)), strings.ToUpper(val)
		if seen[key] {
			return partError(part, key+" is given twice")
		}
		seen[key] = true
		var err error
		switch key {
		case "FREQ":
			r.freq, err = parseFreq(upper)
			haveFreq = true
		case "INTERVAL":
			r.interval, err = parseInt(val, 1, maxInterval)
		case "COUNT":
			r.count, err = parseInt(val, 1, 1_000_000)
		case "UNTIL":
			until = upper
		case "BYMONTH":
			r.bymonth, err = parseInts(val, 1, 12, false)
		case "BYWEEKNO":
			r.byweekno, err = parseInts(val, 1, 53, true)
		case "BYYEARDAY":
			r.byyearday, err = parseInts(val, 1, 366, true)
		case "BYMONTHDAY":
			r.bymonthday, err = parseInts(val, 1, 31, true)
		case "BYDAY":
			r.byday, err = parseDays(upper)
		case "BYHOUR":
			r.byhour, err = parseInts(val, 0, 23, false)
		case "BYMINUTE":
			r.byminute, err = parseInts(val, 0, 59, false)
		case "BYSECOND":
			r.bysecond, err = parseInts(val, 0, 59, false)
		case "BYSETPOS":
			r.bysetpos, err = parseInts(val, 1, 366, true)
		case "WKST":
			var d weekdayNum
			d, err = parseDay(upper)
			if err == nil && d.n != 0 {
				err = errors.New("WKST is a weekday without a number")
			}
			r.wkst = d.day
		default:
			err = errors.New("unknown rule part " + key)
		}
		if err != nil {
			return partError(part, err.Error())
		}
	}
	if !haveFreq {
		return errors.New("RRULE has no FREQ")
	}
	if r.count > 0 && until != "" {
		return errors.New("RRULE has both COUNT and UNTIL; it may have only one")
	}
	if until != "" {
		if err := r.parseUntil(until); err != nil {
			return fmt.Errorf("bad RRULE part UNTIL=%s: %w", until, err)
		}
	}
	return r.check()
}

func partError(part, reason string) error {
	return fmt.Errorf("bad RRULE part %q: %s", part, reason)
}

func parseFreq(s string) (rrule.Frequency, error) {
	switch s {
	case "MINUTELY":
		return rrule.MINUTELY, nil
	case "HOURLY":
		return rrule.HOURLY, nil
	case "DAILY":
		return rrule.DAILY, nil
	case "WEEKLY":
		return rrule.WEEKLY, nil
	case "MONTHLY":
		return rrule.MONTHLY, nil
	case "YEARLY":
		return rrule.YEARLY, nil
	case "SECONDLY":
		return 0, errors.New("FREQ=SECONDLY is not supported; a job recurs at most every minute")
	}
	return 0, errors.New("FREQ must be one of MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY")
}

func parseInt(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is not between %d and %d", n, lo, hi)
	}
	return n, nil
}

// parseInts parses a comma-separated list of numbers in lo..hi, or also in
// -hi..-lo when negative counts from the end. The result is sorted without
// repeats, which is the canonical order and changes no occurrence.
func parseInts(s string, lo, hi int, negative bool) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		if (n < lo || n > hi) && (!negative || n > -lo || n < -hi) {
			if negative {
				return nil, fmt.Errorf("%d is not between %d and %d or %d and %d", n, lo, hi, -hi, -lo)
			}
			return nil, fmt.Errorf("%d is not between %d and %d", n, lo, hi)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func parseDays(s string) ([]weekdayNum, error) {
	var out []weekdayNum
	for _, f := range strings.Split(s, ",") {
		d, err := parseDay(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	slices.SortFunc(out, compareWeekdayNum)
	return slices.Compact(out), nil
}

// parseDay parses one BYDAY value such as MO, 2TU or -1FR.
func parseDay(s string) (weekdayNum, error) {
	if len(s) < 2 {
		return weekdayNum{}, fmt.Errorf("%q is not a weekday like MO or 2MO", s)
	}
	code, num := s[len(s)-2:], s[:len(s)-2]
	d := weekdayNum{day: -1}
	for i, c := range dayCodes {
		if c == code {
			d.day = time.Weekday(i)
		}
	}
	if d.day < 0 {
		return weekdayNum{}, fmt.Errorf("%q is not a weekday like MO or 2MO", s)
	}
	if num != "" {
		n, err := strconv.Atoi(num)
		if err != nil || n == 0 || n < -53 || n > 53 {
			return weekdayNum{}, fmt.Errorf("%q is not a weekday like MO or 2MO", s)
		}
		d.n = n
	}
	return d, nil
}

// parseUntil sets the last instant an occurrence may have.
func (r *Rule) parseUntil(s string) error {
	switch {
	case len(s) == len(utcLayout) && strings.HasSuffix(s, "Z"):
		t, err := time.Parse(utcLayout, s)
		if err != nil {
			return errors.New("not a date and time like 20301231T235959Z")
		}
		r.until = t
	case len(s) == len(localLayout):
		w, err := time.Parse(localLayout, s)
		if err != nil {
			return errors.New("not a date and time like 20301231T235959Z")
		}
		r.until = resolve(w, r.loc)
	case len(s) == len(dateLayout):
		d, err := time.Parse(dateLayout, s)
		if err != nil {
			return errors.New("not a date like 20301231")
		}
		r.until = resolve(d.Add(24*time.Hour-time.Second), r.loc)
	default:
		return errors.New("not a date and time like 20301231T235959Z")
	}
	if r.until.Before(r.start) {
		return errors.New("UNTIL is before DTSTART")
	}
	return nil
}
