package search

import (
	"errors"
	"testing"
	"time"
)

// TestLocalTimes checks how local dates and times are read in the zone
// given to Parse, around daylight saving changes in particular. The choice:
// a time the clocks skip is an error, a time they repeat is its earlier
// instant, and a day whose midnight is skipped starts when the clocks jump.
func TestLocalTimes(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	saoPaulo := mustZone(t, "America/Sao_Paulo")
	apia := mustZone(t, "Pacific/Apia")
	tests := []struct {
		name  string
		loc   *time.Location
		value string
		want  time.Time // zero when Parse must fail
		msg   string
	}{
		{"winter", berlin, "2026-01-15 10:00", utc("2026-01-15T09:00:00Z"), ""},
		{"summer", berlin, "2026-07-15 10:00", utc("2026-07-15T08:00:00Z"), ""},
		{"date is local midnight", berlin, "2026-11-01", utc("2026-10-31T23:00:00Z"), ""},
		{"before the gap", berlin, "2026-03-29 01:59", utc("2026-03-29T00:59:00Z"), ""},
		{"in the gap", berlin, "2026-03-29 02:30", time.Time{},
			"expected a time that exists in Europe/Berlin, not 2026-03-29 02:30, which the clocks skip when they go forward"},
		{"gap start", berlin, "2026-03-29T02:00", time.Time{},
			"expected a time that exists in Europe/Berlin, not 2026-03-29T02:00, which the clocks skip when they go forward"},
		{"after the gap", berlin, "2026-03-29 03:00", utc("2026-03-29T01:00:00Z"), ""},
		{"repeated hour is the earlier", berlin, "2026-10-25 02:30", utc("2026-10-25T00:30:00Z"), ""},
		{"after the repeated hour", berlin, "2026-10-25 03:00", utc("2026-10-25T02:00:00Z"), ""},
		{"explicit offset ignores the zone", berlin, "2026-03-29T02:30:00+01:00", utc("2026-03-29T01:30:00Z"), ""},
		// Brazil moved its clocks forward at midnight: 2018-11-04 began at 01:00.
		{"skipped midnight starts the day at the jump", saoPaulo, "2018-11-04", utc("2018-11-04T03:00:00Z"), ""},
		{"skipped midnight with a time", saoPaulo, "2018-11-04 00:00", time.Time{},
			"expected a time that exists in America/Sao_Paulo, not 2018-11-04 00:00, which the clocks skip when they go forward"},
		// Brazil moved its clocks back at midnight: 2019-02-16 23:00-24:00 came twice.
		{"repeated midnight eve", saoPaulo, "2019-02-16 23:30", utc("2019-02-17T01:30:00Z"), ""},
		// Samoa skipped 2011-12-30 entirely.
		{"skipped day", apia, "2011-12-30", time.Time{},
			"expected a time that exists in Pacific/Apia, not 2011-12-30, which the clocks skip when they go forward"},
		{"day after the skipped day", apia, "2011-12-31", utc("2011-12-30T10:00:00Z"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(`after:"`+tt.value+`"`, now, tt.loc)
			if tt.want.IsZero() {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Pos != 6 || se.Msg != tt.msg {
					t.Fatalf("Parse(%q) = %v; want at 6: %s", tt.value, err, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.value, err)
			}
			if got := q.Terms[0].Values[0].Time; !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("Parse(%q) = %s, want %s", tt.value, got, tt.want)
			}
			checkRoundTrip(t, q, now, tt.loc)
		})
	}
}

// TestRelativeDays checks that days are calendar days in the zone: across
// the spring change in Berlin, -1d is 23 hours back and keeps the clock.
func TestRelativeDays(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	at := time.Date(2026, 3, 29, 12, 0, 0, 0, berlin)
	q, err := Parse("after:-1d before:-24h", at, berlin)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.Terms[0].Values[0].Time, utc("2026-03-28T11:00:00Z"); !got.Equal(want) {
		t.Errorf("-1d = %s, want %s", got, want)
	}
	if got, want := q.Terms[1].Values[0].Time, utc("2026-03-28T10:00:00Z"); !got.Equal(want) {
		t.Errorf("-24h = %s, want %s", got, want)
	}
	checkRoundTrip(t, q, at, berlin)
}

// TestMonotonicNow checks that a now straight from time.Now, which carries
// a monotonic reading, still gives times that compare equal after a round
// trip.
func TestMonotonicNow(t *testing.T) {
	n := time.Now()
	q, err := Parse("after:-1h", n, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, q, n, nil)
}
