package job

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

func mustRule(t *testing.T, text string) *Rule {
	t.Helper()
	r, err := ParseRule(text)
	if err != nil {
		t.Fatalf("ParseRule(%q): %v", text, err)
	}
	return r
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// local formats occurrences as their local clock with zone, which is what
// the DST tests are about.
func local(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("2006-01-02 15:04 MST")
	}
	return out
}

func checkTimes(t *testing.T, what string, got []time.Time, want []string) {
	t.Helper()
	if g := local(got); !slices.Equal(g, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, g, want)
	}
}

func TestDailyAcrossSpringForward(t *testing.T) {
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20300328T023000\nRRULE:FREQ=DAILY;COUNT=7")
	got := r.After(r.Start().Add(-time.Second), 100)
	checkTimes(t, "daily 02:30 over 2030-03-31", got, []string{
		"2030-03-28 02:30 CET",
		"2030-03-29 02:30 CET",
		"2030-03-30 02:30 CET",
		"2030-03-31 03:30 CEST", // 02:30 does not exist; moved forward by the hour skipped
		"2030-04-01 02:30 CEST",
		"2030-04-02 02:30 CEST",
		"2030-04-03 02:30 CEST",
	})
	if d := got[3].Sub(got[2]); d != 24*time.Hour {
		t.Errorf("30 Mar to 31 Mar is %v apart, want 24h", d)
	}
	if d := got[4].Sub(got[3]); d != 23*time.Hour {
		t.Errorf("31 Mar to 1 Apr is %v apart, want 23h", d)
	}
}

func TestDailyAcrossFallBack(t *testing.T) {
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20301025T023000\nRRULE:FREQ=DAILY;COUNT=5")
	got := r.After(time.Time{}, 100)
	checkTimes(t, "daily 02:30 over 2030-10-27", got, []string{
		"2030-10-25 02:30 CEST",
		"2030-10-26 02:30 CEST",
		"2030-10-27 02:30 CEST", // 02:30 happens twice; the first one, once
		"2030-10-28 02:30 CET",
		"2030-10-29 02:30 CET",
	})
	if want := time.Date(2030, 10, 27, 0, 30, 0, 0, time.UTC); !got[2].Equal(want) {
		t.Errorf("27 Oct occurrence at %v UTC, want %v", got[2].UTC(), want)
	}
	if d := got[3].Sub(got[2]); d != 25*time.Hour {
		t.Errorf("27 Oct to 28 Oct is %v apart, want 25h", d)
	}
}

// TestDailyWholeYearBerlin checks one occurrence on every local date of a
// year that has both changes, at 02:30 except on the spring-forward day.
func TestDailyWholeYearBerlin(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20300101T023000\nRRULE:FREQ=DAILY")
	got := r.Between(time.Date(2030, 1, 1, 0, 0, 0, 0, berlin), time.Date(2031, 1, 1, 0, 0, 0, 0, berlin))
	if len(got) != 365 {
		t.Fatalf("%d occurrences in 2030, want 365", len(got))
	}
	day := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, o := range got {
		if o.Location().String() != "Europe/Berlin" {
			t.Fatalf("occurrence %v not in Europe/Berlin", o)
		}
		if y, m, d := o.Date(); y != day.Year() || m != day.Month() || d != day.Day() {
			t.Fatalf("occurrence %d is %v, want on %s", i, o, day.Format("2006-01-02"))
		}
		want := "02:30"
		if day.Month() == time.March && day.Day() == 31 {
			want = "03:30"
		}
		if got := o.Format("15:04"); got != want {
			t.Errorf("%s at %s, want %s", day.Format("2006-01-02"), got, want)
		}
		day = day.AddDate(0, 0, 1)
	}
}

// TestHourlyAcrossFallBack pins the wall-clock reading of FREQ=HOURLY: it
// steps the local clock, so the repeated hour 02:00-03:00 is run once.
func TestHourlyAcrossFallBack(t *testing.T) {
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20301027T000000\nRRULE:FREQ=HOURLY;COUNT=5")
	checkTimes(t, "hourly over 2030-10-27", r.After(time.Time{}, 10), []string{
		"2030-10-27 00:00 CEST", "2030-10-27 01:00 CEST", "2030-10-27 02:00 CEST",
		"2030-10-27 03:00 CET", "2030-10-27 04:00 CET",
	})
}

// TestMinutelyAcrossSpringForward checks that times moved out of the gap
// are not given twice.
func TestMinutelyAcrossSpringForward(t *testing.T) {
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20300331T010000\nRRULE:FREQ=MINUTELY;INTERVAL=30;COUNT=5")
	checkTimes(t, "every 30 minutes over 2030-03-31", r.After(time.Time{}, 10), []string{
		"2030-03-31 01:00 CET", "2030-03-31 01:30 CET", "2030-03-31 03:00 CEST",
		"2030-03-31 03:30 CEST", "2030-03-31 04:00 CEST",
	})
}

func TestWeeklyByDay(t *testing.T) {
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20300304T090000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,MO;COUNT=5")
	got := r.After(time.Time{}, 10)
	checkTimes(t, "every 2 weeks on Monday and Wednesday", got, []string{
		"2030-03-04 09:00 CET", "2030-03-06 09:00 CET", "2030-03-18 09:00 CET",
		"2030-03-20 09:00 CET", "2030-04-01 09:00 CEST",
	})
	for _, o := range got {
		if wd := o.Weekday(); wd != time.Monday && wd != time.Wednesday {
			t.Errorf("%v is a %v", o, wd)
		}
	}
}

func TestMonthlyOnThe31st(t *testing.T) {
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []string{
		"2030-01-31 10:00 UTC", "2030-03-31 10:00 UTC", "2030-05-31 10:00 UTC", "2030-07-31 10:00 UTC",
		"2030-08-31 10:00 UTC", "2030-10-31 10:00 UTC", "2030-12-31 10:00 UTC",
	}
	for _, text := range []string{
		"DTSTART:20300131T100000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=31",
		"DTSTART:20300131T100000Z\nRRULE:FREQ=MONTHLY", // the day of DTSTART
	} {
		r := mustRule(t, text)
		checkTimes(t, text, r.Between(from, from.AddDate(1, 0, 0)), want)
	}
}

func TestEnds(t *testing.T) {
	const start = "DTSTART;TZID=Europe/Berlin:20300101T023000\n"
	tests := []struct {
		rule string
		want int
	}{
		{"RRULE:FREQ=DAILY;COUNT=5", 5},
		{"RRULE:FREQ=DAILY;COUNT=1", 1},
		{"RRULE:FREQ=DAILY;UNTIL=20300105T013000Z", 5},      // UTC, exactly the 5th occurrence: inclusive
		{"RRULE:FREQ=DAILY;UNTIL=20300105T012959Z", 4},      // a second before it
		{"RRULE:FREQ=DAILY;UNTIL=20300105T023000", 5},       // local time in DTSTART's zone
		{"RRULE:FREQ=DAILY;UNTIL=20300105", 5},              // a date: the whole day
		{"RRULE:FREQ=DAILY;UNTIL=20300101T023000", 1},       // UNTIL = DTSTART
		{"RRULE:FREQ=WEEKLY;BYDAY=MO,FR;UNTIL=20300131", 8}, // Fri 4 Jan ... Mon 28 Jan
	}
	for _, tt := range tests {
		r := mustRule(t, start+tt.rule)
		got := r.After(time.Time{}, 100)
		if len(got) != tt.want {
			t.Errorf("%s: %d occurrences %q, want %d", tt.rule, len(got), local(got), tt.want)
		}
		if b := r.Between(time.Time{}, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)); len(b) != tt.want {
			t.Errorf("%s: Between gives %d occurrences, want %d", tt.rule, len(b), tt.want)
		}
	}
	open := mustRule(t, start+"RRULE:FREQ=DAILY")
	if got := open.After(time.Time{}, 400); len(got) != 400 {
		t.Errorf("open-ended rule gave %d of 400 occurrences", len(got))
	}
}

func TestAfterIsStrict(t *testing.T) {
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20300101T023000\nRRULE:FREQ=DAILY")
	occ := time.Date(2030, 1, 10, 1, 30, 0, 0, time.UTC) // 02:30 CET
	tests := []struct {
		after time.Time
		n     int
		want  []string
	}{
		{occ, 2, []string{"2030-01-11 02:30 CET", "2030-01-12 02:30 CET"}},
		{occ.Add(-time.Nanosecond), 1, []string{"2030-01-10 02:30 CET"}},
		{occ.Add(time.Nanosecond), 1, []string{"2030-01-11 02:30 CET"}},
		{occ.In(mustZone(t, "America/New_York")), 1, []string{"2030-01-11 02:30 CET"}}, // compared as instants
		{time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), 1, []string{"2030-01-01 02:30 CET"}},
		{time.Time{}, 1, []string{"2030-01-01 02:30 CET"}},
		{occ, 0, []string{}},
		{occ, -1, []string{}},
	}
	for _, tt := range tests {
		checkTimes(t, fmt.Sprintf("After(%v, %d)", tt.after, tt.n), r.After(tt.after, tt.n), tt.want)
	}
}

func TestBetweenIsHalfOpen(t *testing.T) {
	r := mustRule(t, "DTSTART;TZID=Europe/Berlin:20300101T023000\nRRULE:FREQ=DAILY")
	occ := time.Date(2030, 1, 10, 1, 30, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"from an occurrence is inclusive", occ, occ.Add(day), []string{"2030-01-10 02:30 CET"}},
		{"to an occurrence is exclusive", occ, occ.Add(2 * day), []string{"2030-01-10 02:30 CET", "2030-01-11 02:30 CET"}},
		{"just after", occ.Add(time.Nanosecond), occ.Add(day), []string{}},
		{"just up to", occ.Add(-day), occ, []string{"2030-01-09 02:30 CET"}},
		{"empty range", occ, occ, []string{}},
		{"reversed range", occ.Add(day), occ, []string{}},
		{"before DTSTART", time.Date(2029, 12, 30, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC),
			[]string{"2030-01-01 02:30 CET"}},
	}
	for _, tt := range tests {
		checkTimes(t, tt.name, r.Between(tt.from, tt.to), tt.want)
	}
	// Adjacent windows see every occurrence exactly once.
	var joined []time.Time
	for w := occ.Add(-5 * day); w.Before(occ.Add(5 * day)); w = w.Add(day) {
		joined = append(joined, r.Between(w, w.Add(day))...)
	}
	if len(joined) != 10 {
		t.Errorf("10 adjacent one-day windows gave %d occurrences", len(joined))
	}
}

func TestBetweenIsBounded(t *testing.T) {
	r := mustRule(t, "DTSTART:20300101T000000Z\nRRULE:FREQ=MINUTELY")
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := r.Between(from, from.AddDate(0, 1, 0)); len(got) != MaxOccurrences {
		t.Errorf("a month of minutes gave %d occurrences, want the cap %d", len(got), MaxOccurrences)
	}
	if got := r.After(from, 50000); len(got) != MaxOccurrences {
		t.Errorf("After(…, 50000) gave %d occurrences, want the cap %d", len(got), MaxOccurrences)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		rule, want string
	}{
		{"DTSTART;TZID=Europe/Berlin:20261125T023000\nRRULE:FREQ=DAILY;UNTIL=20261231T225959Z",
			"Every 1 day from 25 Nov 2026 02:30 CET until 31 Dec 2026"},
		{"DTSTART;TZID=Europe/Berlin:20261125T023000\nRRULE:FREQ=DAILY;UNTIL=20261231",
			"Every 1 day from 25 Nov 2026 02:30 CET until 31 Dec 2026"},
		{"DTSTART;TZID=Europe/Berlin:20300304T090000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=5",
			"Every 2 weeks on Monday, Wednesday from 4 Mar 2030 09:00 CET, 5 times"},
		{"DTSTART:20300131T100000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=31",
			"Every 1 month on day 31 from 31 Jan 2030 10:00 UTC"},
		{"DTSTART;TZID=Europe/Berlin:20300701T080000\nRRULE:FREQ=DAILY;COUNT=1",
			"Every 1 day from 1 Jul 2030 08:00 CEST, 1 time"},
		{"DTSTART;TZID=Europe/Berlin:20300331T023000\nRRULE:FREQ=DAILY",
			"Every 1 day from 31 Mar 2030 03:30 CEST"},
		{"DTSTART;TZID=America/New_York:20300104T170000\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20300601T090000",
			"Every 1 month on the last Friday from 4 Jan 2030 17:00 EST until 1 Jun 2030 09:00 EDT"},
		{"DTSTART:20300101T060000Z\nRRULE:FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0;COUNT=10",
			"Every 1 day at 09:00, 17:00 from 1 Jan 2030 06:00 UTC, 10 times"},
		{"DTSTART:20300101T000000Z\nRRULE:FREQ=HOURLY;INTERVAL=4;BYMINUTE=15",
			"Every 4 hours at minute 15 from 1 Jan 2030 00:00 UTC"},
		{"DTSTART:20300101T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1,-1,-2,15",
			"Every 1 year in January, July on day 1, 15, last, 2nd last from 1 Jan 2030 00:00 UTC"},
		{"DTSTART:20300101T000000Z\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
			"Every 1 month on Monday, Tuesday, Wednesday, Thursday, Friday, only the last of each month from 1 Jan 2030 00:00 UTC"},
		{"DTSTART:20300101T000000Z\nRRULE:FREQ=MINUTELY;INTERVAL=15;BYHOUR=8,9",
			"Every 15 minutes in hour 8, 9 from 1 Jan 2030 00:00 UTC"},
	}
	for _, tt := range tests {
		if got := mustRule(t, tt.rule).Text(); got != tt.want {
			t.Errorf("Text of %q:\n got %q\nwant %q", tt.rule, got, tt.want)
		}
	}
}

func TestParseRuleErrors(t *testing.T) {
	const start = "DTSTART;TZID=Europe/Berlin:20300101T023000\n"
	tests := []struct {
		text, want string
	}{
		{start + "RRULE:FREQ=DAILY;" + strings.Repeat("BYHOUR=1;", 110), "recurrence is 1050 bytes; at most 1000 are allowed"},
		{"DTSTART;TZID=Mars/Olympus_Mons:20300101T023000\nRRULE:FREQ=DAILY", `unknown time zone "Mars/Olympus_Mons"`},
		{"DTSTART;TZID=Local:20300101T023000\nRRULE:FREQ=DAILY", `unknown time zone "Local"`},
		{"RRULE:FREQ=DAILY", "recurrence has no DTSTART line"},
		{start, "recurrence has no RRULE line"},
		{"", "recurrence has no DTSTART line"},
		{start + "RRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY", "recurrence has more than one RRULE line"},
		{start + start + "RRULE:FREQ=DAILY", "recurrence has more than one DTSTART line"},
		{start + "RRULE:FREQ=DAILY\nEXDATE:20300102T023000", "recurrence line EXDATE is not supported; only DTSTART and RRULE are"},
		{start + "FREQ=DAILY", `recurrence line "FREQ=DAILY" has no ":"`},
		{start + "RRULE:FREQ=FORTNIGHTLY", `bad RRULE part "FREQ=FORTNIGHTLY": FREQ must be one of MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY`},
		{start + "RRULE:FREQ=SECONDLY", `bad RRULE part "FREQ=SECONDLY": FREQ=SECONDLY is not supported; a job recurs at most every minute`},
		{start + "RRULE:FREQ=DAILY;INTERVAL=0", `bad RRULE part "INTERVAL=0": 0 is not between 1 and 10000`},
		{start + "RRULE:FREQ=DAILY;COUNT=x", `bad RRULE part "COUNT=x": "x" is not a number`},
		{start + "RRULE:FREQ=DAILY;COUNT=", `bad RRULE part "COUNT=": has no value`},
		{start + "RRULE:FREQ=DAILY;FREQ=WEEKLY", `bad RRULE part "FREQ=WEEKLY": FREQ is given twice`},
		{start + "RRULE:FREQ=WEEKLY;BYDAY=MO,XY", `bad RRULE part "BYDAY=MO,XY": "XY" is not a weekday like MO or 2MO`},
		{start + "RRULE:FREQ=MONTHLY;BYMONTHDAY=32", `bad RRULE part "BYMONTHDAY=32": 32 is not between 1 and 31 or -31 and -1`},
		{start + "RRULE:FREQ=MONTHLY;BYMONTHDAY=0", `bad RRULE part "BYMONTHDAY=0": 0 is not between 1 and 31 or -31 and -1`},
		{start + "RRULE:FREQ=DAILY;BYHOUR=24", `bad RRULE part "BYHOUR=24": 24 is not between 0 and 23`},
		{start + "RRULE:FREQ=DAILY;BYMINUTE=-1", `bad RRULE part "BYMINUTE=-1": -1 is not between 0 and 59`},
		{start + "RRULE:FREQ=DAILY;COLOR=RED", `bad RRULE part "COLOR=RED": unknown rule part COLOR`},
		{start + "RRULE:FREQ=DAILY;UNTIL=2030", "bad RRULE part UNTIL=2030: not a date and time like 20301231T235959Z"},
		{start + "RRULE:FREQ=DAILY;UNTIL=20291231T000000Z", "bad RRULE part UNTIL=20291231T000000Z: UNTIL is before DTSTART"},
		{start + "RRULE:FREQ=DAILY;UNTIL=20300230", "bad RRULE part UNTIL=20300230: not a date like 20301231"},
		{start + "RRULE:FREQ=DAILY;COUNT=3;UNTIL=20301231T000000Z", "RRULE has both COUNT and UNTIL; it may have only one"},
		{start + "RRULE:INTERVAL=2", "RRULE has no FREQ"},
		{start + "RRULE;X-FOO=1:FREQ=DAILY", "RRULE parameters are not supported; write RRULE:FREQ=…"},
		{"DTSTART;TZID=Europe/Berlin:20300101\nRRULE:FREQ=DAILY", `DTSTART "20300101" is not a date and time like 20300328T023000`},
		{"DTSTART:2030-01-01T02:30:00\nRRULE:FREQ=DAILY", `DTSTART "2030-01-01T02:30:00" is not a date and time like 20300328T023000`},
		{"DTSTART;VALUE=DATE:20300101\nRRULE:FREQ=DAILY", "DTSTART must be a date and time, not VALUE=DATE"},
		{"DTSTART;TZID=Europe/Berlin:20300101T023000Z\nRRULE:FREQ=DAILY", "DTSTART has both TZID=Europe/Berlin and a UTC time 20300101T023000Z; use one"},
		{"DTSTART;TZID=Europe/Berlin\nRRULE:FREQ=DAILY", "DTSTART has no value"},
		{start + "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "RRULE has no occurrences: no month it allows has the day of month it asks for"},
		{"DTSTART:20300131T000000Z\nRRULE:FREQ=YEARLY;BYMONTH=4", "RRULE has no occurrences: no month it allows has the day of month it asks for"},
		{start + "RRULE:FREQ=WEEKLY;BYDAY=2MO", "BYDAY with a number (like 2MO) needs FREQ=MONTHLY or YEARLY, not WEEKLY"},
		{start + "RRULE:FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY cannot be used with FREQ=WEEKLY"},
		{start + "RRULE:FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO needs FREQ=YEARLY, not MONTHLY"},
		{start + "RRULE:FREQ=DAILY;BYSETPOS=1;BYHOUR=1,2", "BYSETPOS needs FREQ=WEEKLY, MONTHLY or YEARLY, not DAILY"},
		{start + "RRULE:FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3", "RRULE has no occurrences: a week has at most 2 candidates for BYSETPOS"},
		{start + "RRULE:FREQ=MONTHLY;BYMONTH=2,4,6;BYMONTHDAY=31", "RRULE has no occurrences: no month it allows has the day of month it asks for"},
		{start + "RRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=1,3,5", "RRULE has no occurrences: every 2 hours from 02:30 never reaches the hours or minutes it asks for"},
		{start + "RRULE:FREQ=MINUTELY;INTERVAL=10;BYMINUTE=15", "RRULE has no occurrences: every 10 minutes from 02:30 never reaches the hours or minutes it asks for"},
	}
	for _, tt := range tests {
		r, err := ParseRule(tt.text)
		if err == nil {
			t.Errorf("ParseRule(%q) = %v, want error %q", tt.text, r, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseRule(%q):\n got error %q\nwant       %q", tt.text, err, tt.want)
		}
	}
}

func TestParseRuleAccepts(t *testing.T) {
	const canonical = "DTSTART;TZID=Europe/Berlin:20300328T023000\nRRULE:FREQ=DAILY;COUNT=5"
	tests := []struct {
		text, want string
	}{
		{canonical, canonical},
		{"DTSTART;TZID=Europe/Berlin:20300328T023000\r\nRRULE:FREQ=DAILY;COUNT=5\r\n", canonical},
		{"RRULE:FREQ=DAILY;COUNT=5\nDTSTART;TZID=Europe/Berlin:20300328T023000", canonical},
		{"dtstart;tzid=Europe/Berlin:20300328T023000\nrrule:freq=daily;interval=1;count=5;wkst=mo", canonical},
		{"DTSTART;TZID=\"Europe/Berlin\":20300328T023000\n\nRRULE:FREQ=DAI\r\n LY;COUNT=5", canonical}, // quoted TZID, blank line, folding
		{"DTSTART:20300328T023000\nRRULE:FREQ=DAILY", "DTSTART:20300328T023000Z\nRRULE:FREQ=DAILY"},    // floating is UTC
		{"DTSTART;TZID=UTC:20300328T023000\nRRULE:FREQ=DAILY", "DTSTART:20300328T023000Z\nRRULE:FREQ=DAILY"},
		{"DTSTART;TZID=Europe/Berlin:20300101T023000\nRRULE:FREQ=DAILY;UNTIL=20300105T023000",
			"DTSTART;TZID=Europe/Berlin:20300101T023000\nRRULE:FREQ=DAILY;UNTIL=20300105T013000Z"},
		{"DTSTART;TZID=Europe/Berlin:20300101T023000\nRRULE:FREQ=DAILY;UNTIL=20300105",
			"DTSTART;TZID=Europe/Berlin:20300101T023000\nRRULE:FREQ=DAILY;UNTIL=20300105T225959Z"},
		{"DTSTART:20300101T090000Z\nRRULE:BYDAY=FR,MO,MO;FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYHOUR=17,9",
			"DTSTART:20300101T090000Z\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;BYHOUR=9,17;WKST=SU"},
		{"DTSTART:20300101T090000Z\nRRULE:FREQ=YEARLY;BYSETPOS=-1;BYMONTH=12,6;BYDAY=-1FR,1MO;BYMONTHDAY=-1,1;BYMINUTE=5;BYSECOND=30",
			"DTSTART:20300101T090000Z\nRRULE:FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1,1;BYDAY=1MO,-1FR;BYMINUTE=5;BYSECOND=30;BYSETPOS=-1"},
	}
	for _, tt := range tests {
		r := mustRule(t, tt.text)
		if got := r.String(); got != tt.want {
			t.Errorf("String of %q:\n got %q\nwant %q", tt.text, got, tt.want)
		}
		again := mustRule(t, r.String())
		if again.String() != r.String() || !slices.Equal(local(again.After(time.Time{}, 20)), local(r.After(time.Time{}, 20))) {
			t.Errorf("%q does not parse back to the same rule", r.String())
		}
	}
}

func TestStart(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	tests := []struct {
		text string
		want time.Time
	}{
		{"DTSTART;TZID=Europe/Berlin:20300328T023000\nRRULE:FREQ=DAILY", time.Date(2030, 3, 28, 2, 30, 0, 0, berlin)},
		{"DTSTART:20300328T023000Z\nRRULE:FREQ=DAILY", time.Date(2030, 3, 28, 2, 30, 0, 0, time.UTC)},
		{"DTSTART:20300328T023000\nRRULE:FREQ=DAILY", time.Date(2030, 3, 28, 2, 30, 0, 0, time.UTC)},
		{"DTSTART;TZID=Europe/Berlin:20300331T023000\nRRULE:FREQ=DAILY", time.Date(2030, 3, 31, 3, 30, 0, 0, berlin)}, // moved out of the gap
	}
	for _, tt := range tests {
		got := mustRule(t, tt.text).Start()
		if !got.Equal(tt.want) || got.Location().String() != tt.want.Location().String() {
			t.Errorf("Start of %q = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestMatchesRRuleGo compares UTC rules, where no wall clock is skipped or
// repeated, with rrule-go evaluating the canonical text directly: the
// defaults options spells out and the COUNT and UNTIL handled here must
// not change any occurrence.
func TestMatchesRRuleGo(t *testing.T) {
	for _, text := range []string{
		"DTSTART:20300115T093000Z\nRRULE:FREQ=YEARLY;COUNT=5",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=12",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=MONTHLY;BYDAY=2TU,-1FR;COUNT=12",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;WKST=SU;INTERVAL=3;COUNT=20",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0,45;UNTIL=20300201T000000Z",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=HOURLY;INTERVAL=5;BYMINUTE=10;COUNT=40",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=MINUTELY;INTERVAL=7;BYHOUR=9,10;COUNT=40",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=YEARLY;BYWEEKNO=1,20;BYDAY=MO;COUNT=10",
		"DTSTART:20300115T093000Z\nRRULE:FREQ=YEARLY;BYYEARDAY=1,-1;COUNT=6",
		"DTSTART:20300131T093000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=-1,15;BYSETPOS=1;COUNT=12",
	} {
		r := mustRule(t, text)
		ref, err := rrule.StrToRRule(r.String())
		if err != nil {
			t.Fatalf("rrule-go cannot parse %q: %v", r.String(), err)
		}
		want := ref.All()
		got := r.After(time.Time{}, 1000)
		if len(got) != len(want) {
			t.Errorf("%s: %d occurrences, rrule-go %d", text, len(got), len(want))
			continue
		}
		for i := range got {
			if !got[i].Equal(want[i]) {
				t.Errorf("%s: occurrence %d is %v, rrule-go %v", text, i, got[i], want[i])
				break
			}
		}
	}
}

// TestFastForward checks that starting generation near the asked-for time,
// which open-ended rules do, gives what walking from DTSTART gives.
func TestFastForward(t *testing.T) {
	rules := []string{
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=DAILY;INTERVAL=3",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SA",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SA;WKST=SU",
		"DTSTART;TZID=America/New_York:20300131T233000\nRRULE:FREQ=WEEKLY;INTERVAL=3",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=MONTHLY;INTERVAL=5",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR,1MO",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
		"DTSTART;TZID=Europe/Berlin:20320229T023000\nRRULE:FREQ=YEARLY;INTERVAL=3",
		"DTSTART;TZID=Europe/Berlin:20320229T023000\nRRULE:FREQ=YEARLY",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=YEARLY;INTERVAL=3;BYMONTH=3,10;BYDAY=-1SU",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=HOURLY;INTERVAL=7",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=HOURLY;INTERVAL=5;BYHOUR=1,2,3",
		"DTSTART;TZID=Asia/Kolkata:20300131T023015\nRRULE:FREQ=MINUTELY;INTERVAL=13;BYHOUR=2,3",
		"DTSTART;TZID=Europe/Berlin:20300131T023000\nRRULE:FREQ=DAILY;UNTIL=20350101",
	}
	times := []time.Time{
		time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2030, 3, 31, 1, 0, 0, 0, time.UTC),
		time.Date(2031, 10, 26, 0, 45, 0, 0, time.UTC),
		time.Date(2033, 7, 14, 12, 0, 0, 0, time.UTC),
		time.Date(2036, 2, 29, 23, 59, 59, 0, time.UTC),
	}
	for _, text := range rules {
		r := mustRule(t, text)
		for _, at := range times {
			var want []time.Time
			for o := range r.occurrences(time.Time{}) {
				if o.After(at) {
					want = append(want, o)
				}
				if len(want) == 30 {
					break
				}
			}
			if got := r.After(at, 30); !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Errorf("%s after %v:\n got %q\nwant %q", text, at, local(got), local(want))
			}
		}
	}
}

func BenchmarkAfterOldMinutelyRule(b *testing.B) {
	r, err := ParseRule("DTSTART:20200101T000000Z\nRRULE:FREQ=MINUTELY;INTERVAL=5")
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		r.After(at, 1)
	}
}

// TestFarFuture checks a time centuries after DTSTART, past the range of
// time.Duration, keeps the rule's phase (fast-forwarding keeps it fast).
func TestFarFuture(t *testing.T) {
	r := mustRule(t, "DTSTART:20300101T000000Z\nRRULE:FREQ=MINUTELY;INTERVAL=7")
	at := time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)
	got := r.After(at, 1)
	if len(got) != 1 || !got[0].After(at) || got[0].Sub(at) > 7*time.Minute {
		t.Fatalf("After(%v) = %v", at, got)
	}
	if (got[0].Unix()-r.Start().Unix())%(7*60) != 0 {
		t.Fatalf("%v is not a multiple of 7 minutes after DTSTART", got[0])
	}
}
