package demo

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/audit"
)

var testEnd = time.Date(2026, 11, 25, 22, 31, 34, 123456789, time.UTC)

// sameTime compares times as reflect.DeepEqual did, less the monotonic
// clock: the same instant in the same zone.
var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

// TestEntriesValidate checks that every generated entry is accepted by
// audit.Validate and comes back unchanged, so the demo data can go through
// the real ingest path.
func TestEntriesValidate(t *testing.T) {
	g := NewGenerator(1)
	for i, e := range g.History(20000, testEnd, 30*24*time.Hour) {
		in := toInput(e)
		ts := e.Timestamp.Format(time.RFC3339Nano)
		in.Timestamp = &ts
		got, errs := audit.Validate(in, testEnd)
		if errs != nil {
			t.Fatalf("entry %d %+v: %v", i, e, errs)
		}
		if d := cmp.Diff(e, got, sameTime); d != "" {
			t.Fatalf("entry %d changed by Validate (-generated +validated):\n%s", i, d)
		}
	}
	for i := range 5000 {
		in := g.Input()
		if in.Timestamp != nil {
			t.Fatalf("Input %d has a timestamp", i)
		}
		if _, errs := audit.Validate(in, testEnd); errs != nil {
			t.Fatalf("Input %d %+v: %v", i, in, errs)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := NewGenerator(7).History(2000, testEnd, 7*24*time.Hour)
	b := NewGenerator(7).History(2000, testEnd, 7*24*time.Hour)
	if d := cmp.Diff(a, b, sameTime); d != "" {
		t.Fatalf("same seed gave different histories (-first +second):\n%s", d)
	}
	ia, ib := NewGenerator(7).Input(), NewGenerator(7).Input()
	if d := cmp.Diff(ia, ib); d != "" {
		t.Fatalf("same seed gave different inputs (-first +second):\n%s", d)
	}
	c := NewGenerator(8).History(2000, testEnd, 7*24*time.Hour)
	if cmp.Equal(a, c, sameTime) {
		t.Fatal("different seeds gave the same history")
	}
}

func TestHistoryRange(t *testing.T) {
	tests := []struct {
		name string
		n    int
		end  time.Time
		span time.Duration
	}{
		{"month", 5000, testEnd, 30 * 24 * time.Hour},
		{"odd nanoseconds", 1000, testEnd, time.Hour + 789},
		{"ten microseconds", 200, testEnd, 10 * time.Microsecond},
		{"one microsecond", 10, testEnd, time.Microsecond},
		{"one entry", 1, testEnd.Truncate(time.Second), time.Minute},
		{"none", 0, testEnd, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewGenerator(3).History(tt.n, tt.end, tt.span)
			if len(h) != tt.n {
				t.Fatalf("len = %d, want %d", len(h), tt.n)
			}
			start := tt.end.Add(-tt.span)
			for i, e := range h {
				ts := e.Timestamp
				if ts.Before(start) || !ts.Before(tt.end) {
					t.Fatalf("entry %d at %v is outside [%v, %v)", i, ts, start, tt.end)
				}
				if ts.Nanosecond()%1000 != 0 || ts.Location() != time.UTC {
					t.Fatalf("entry %d at %v is not UTC microseconds", i, ts)
				}
				if i > 0 && ts.Before(h[i-1].Timestamp) {
					t.Fatalf("entry %d at %v is before entry %d at %v", i, ts, i-1, h[i-1].Timestamp)
				}
			}
		})
	}
}

// TestHistoryRhythm checks the daily and weekly rhythm: a weekday working
// hour is much busier than a night hour or the same hour at the weekend.
func TestHistoryRhythm(t *testing.T) {
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) // a Monday
	var work, night, weekend int
	for _, e := range NewGenerator(5).History(40000, end, 28*24*time.Hour) {
		ts := e.Timestamp
		sat := ts.Weekday() == time.Saturday || ts.Weekday() == time.Sunday
		switch h := ts.Hour(); {
		case h == 10 && !sat:
			work++
		case h == 10 && sat:
			weekend++
		case h == 2 && !sat:
			night++
		}
	}
	// Per hour-slot: 20 weekdays vs 8 weekend days.
	if work < 6*night || work*8 < 2*20*weekend {
		t.Errorf("work %d, night %d, weekend %d: no daily rhythm", work, night, weekend)
	}
}

// TestContent checks the shape of the data: the distributions the grid and
// statistics pages are meant to show.
func TestContent(t *testing.T) {
	h := NewGenerator(11).History(20000, testEnd, 30*24*time.Hour)
	taskCount := map[string]int{}
	userCount := map[string]int{}
	var failures int
	var lastJob int64
	known := Domains()
	for i, e := range h {
		taskCount[e.Task]++
		userCount[e.UserName]++
		if e.Result == audit.ResultFailure {
			failures++
		}
		if !slices.Contains(known, e.Domain) {
			t.Fatalf("entry %d: unknown domain %q", i, e.Domain)
		}
		if e.JobID != 0 {
			if e.JobID <= lastJob || e.JobID <= firstJobID {
				t.Fatalf("entry %d: job id %d after %d", i, e.JobID, lastJob)
			}
			lastJob = e.JobID
		}
		if (e.Result == audit.ResultJobScheduled || e.Result == audit.ResultRecurringJobScheduled) && e.JobID == 0 {
			t.Fatalf("entry %d: %s without a job id", i, e.Result)
		}
		if len(e.AffectedObjects) > 3 {
			t.Fatalf("entry %d: %d affected objects", i, len(e.AffectedObjects))
		}
		if d := e.AffectedObjectDetail; strings.HasPrefix(d, "{") && !json.Valid([]byte(d)) {
			t.Fatalf("entry %d: detail %q is not JSON", i, d)
		}
		if strings.Contains(e.Description, "{") {
			t.Fatalf("entry %d: unexpanded description %q", i, e.Description)
		}
		switch e.Task {
		case "Apply CLI Configlet":
			if e.Result != audit.ResultFailure && !strings.HasPrefix(e.Description, "Apply CLI Configlet operation initiated for the configlet ") {
				t.Fatalf("entry %d: description %q", i, e.Description)
			}
		case "Modify Application Settings", "Modify User", "Create Role":
			if !strings.HasPrefix(e.AffectedObjectDetail, "{") {
				t.Fatalf("entry %d: %s without a JSON detail: %q", i, e.Task, e.AffectedObjectDetail)
			}
		}
	}

	if len(taskCount) < 60 {
		t.Errorf("%d distinct tasks, want at least 60", len(taskCount))
	}
	for _, task := range audit.ConfigTasks {
		if taskCount[task] == 0 {
			t.Errorf("configuration task %q never generated", task)
		}
	}
	if taskCount["Login"] < taskCount["Resynchronize Device"]*2 || taskCount["Logout"] < taskCount["Apply CLI Configlet"] {
		t.Errorf("Login %d, Logout %d are not the most frequent tasks", taskCount["Login"], taskCount["Logout"])
	}
	if len(userCount) < 38 {
		t.Errorf("%d distinct users, want about 40", len(userCount))
	}
	if userCount["super"] < 10*userCount["zmorales"] {
		t.Errorf("super %d vs zmorales %d: activity is not skewed", userCount["super"], userCount["zmorales"])
	}
	if rate := float64(failures) / float64(len(h)); rate < 0.03 || rate > 0.08 {
		t.Errorf("failure rate %.3f, want about 0.05", rate)
	}
}

func TestPools(t *testing.T) {
	p := newPools()
	if len(p.devices) < 140 {
		t.Errorf("%d devices, want about 150", len(p.devices))
	}
	names := map[string]bool{}
	for _, d := range p.devices {
		if names[d.name] {
			t.Errorf("duplicate device name %q", d.name)
		}
		names[d.name] = true
	}
	for d, list := range p.inDomain {
		if len(list) < 5 {
			t.Errorf("domain %s sees %d devices", domains[d], len(list))
		}
	}
	for _, u := range p.users {
		if len(u.ips) < 1 || len(u.ips) > 3 {
			t.Errorf("user %s has %d addresses", u.name, len(u.ips))
		}
	}
	seen := map[string]bool{}
	for _, d := range Domains() {
		if reason := audit.CheckDomain(d); reason != "" {
			t.Errorf("domain %q: %s", d, reason)
		}
		if i := strings.LastIndexByte(d, '/'); i >= 0 && !seen[d[:i]] {
			t.Errorf("domain %q comes before its parent", d)
		}
		seen[d] = true
	}
}

func BenchmarkEntry(b *testing.B) {
	g := NewGenerator(1)
	ts := testEnd
	b.ReportAllocs()
	for b.Loop() {
		g.Entry(ts)
	}
}

func BenchmarkHistory(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewGenerator(1).History(1000, testEnd, 7*24*time.Hour)
	}
}

func TestConfigChangesForEveryConfigurationTask(t *testing.T) {
	g := NewGenerator(5)
	for _, task := range audit.ConfigTasks {
		for i := 0; i < 6; i++ {
			c := g.ConfigChange(task, "mx960-1")
			if c.Before == c.After || c.Device != "mx960-1" || (c.Format != "text" && c.Format != "set") {
				t.Fatalf("%s: %+v", task, c)
			}
			in := audit.Input{UserName: "u", Application: "REST", Task: task, Result: "Success"}
			b, _ := json.Marshal(c)
			in.ConfigChange = b
			if _, errs := audit.Validate(in, time.Now()); errs != nil {
				t.Fatalf("%s: the generated change is refused: %v", task, errs)
			}
		}
	}
	if !strings.HasPrefix(SetStyle(DeviceConfig("r1")), "set system host-name r1\n") {
		t.Error("set style does not start with the host name")
	}
}
