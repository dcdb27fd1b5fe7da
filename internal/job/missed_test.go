package job

import (
	"testing"
	"time"
)

func TestMissedRuns(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	daily := mustRule(t, "DTSTART;TZID=Europe/Berlin:20300101T020000\nRRULE:FREQ=DAILY")
	lastRun := time.Date(2030, 6, 1, 2, 0, 0, 0, berlin)
	back := time.Date(2030, 6, 4, 10, 0, 0, 0, berlin) // up again after three days

	tests := []struct {
		name         string
		rule         *Rule
		lastRun, now time.Time
		limit        int
		want         []string
	}{
		{"three-day downtime", daily, lastRun, back, 10,
			[]string{"2030-06-02 02:00 CEST", "2030-06-03 02:00 CEST", "2030-06-04 02:00 CEST"}},
		{"limited to the earliest", daily, lastRun, back, 2,
			[]string{"2030-06-02 02:00 CEST", "2030-06-03 02:00 CEST"}},
		{"an occurrence at now is missed", daily, lastRun, time.Date(2030, 6, 3, 2, 0, 0, 0, berlin), 10,
			[]string{"2030-06-02 02:00 CEST", "2030-06-03 02:00 CEST"}},
		{"nothing due yet", daily, lastRun, lastRun.Add(23 * time.Hour), 10, []string{}},
		{"now is lastRun", daily, lastRun, lastRun, 10, []string{}},
		{"zero limit", daily, lastRun, back, 0, []string{}},
		{"never ran", mustRule(t, "DTSTART;TZID=Europe/Berlin:20300602T020000\nRRULE:FREQ=DAILY"), time.Time{}, back, 10,
			[]string{"2030-06-02 02:00 CEST", "2030-06-03 02:00 CEST", "2030-06-04 02:00 CEST"}},
		{"the rule ended during the downtime",
			mustRule(t, "DTSTART;TZID=Europe/Berlin:20300101T020000\nRRULE:FREQ=DAILY;UNTIL=20300602"), lastRun, back, 10,
			[]string{"2030-06-02 02:00 CEST"}},
		{"across spring forward",
			daily, time.Date(2030, 3, 30, 2, 0, 0, 0, berlin), time.Date(2030, 4, 1, 12, 0, 0, 0, berlin), 10,
			[]string{"2030-03-31 03:00 CEST", "2030-04-01 02:00 CEST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTimes(t, tt.name, MissedRuns(tt.rule, tt.lastRun, tt.now, tt.limit), tt.want)
		})
	}
}
