package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

func TestStatistics(t *testing.T) {
	f := newFixture(t, 0)
	now := time.Now().UTC()
	var es []audit.Entry
	for i := range 12 {
		user := "ann"
		if i%3 == 0 {
			user = "bob<b>"
		}
		es = append(es, audit.Entry{Timestamp: now.Add(-time.Duration(i) * time.Hour), UserName: user, Application: "REST",
			Workspace: "Devices", Task: "Deploy Template", Result: audit.ResultSuccess})
	}
	es = append(es, audit.Entry{Timestamp: now.Add(-10 * 24 * time.Hour), UserName: "old", Application: "REST", Task: "Login", Result: audit.ResultFailure})
	f.submit(t, es...)

	status, body, _ := get(t, f.url+"/api/v1/audit-logs/stats?group_by=user_name&from="+now.Add(-7*24*time.Hour).Format(time.RFC3339))
	var out struct {
		Groups []struct {
			Key   string
			Count int64
		}
	}
	if err := json.Unmarshal([]byte(body), &out); status != 200 || err != nil {
		t.Fatalf("stats: %d %v %s", status, err, body)
	}
	if len(out.Groups) != 2 || out.Groups[0].Key != "ann" || out.Groups[0].Count != 8 || out.Groups[1].Count != 4 {
		t.Errorf("groups %+v, want ann 8, bob<b> 4 (old is outside the time frame)", out.Groups)
	}
	status, body, _ = get(t, f.url+"/api/v1/audit-logs/stats?interval=day")
	if status != 200 || !strings.Contains(body, `"buckets"`) {
		t.Errorf("histogram: %d %s", status, body)
	}
	for _, bad := range []string{"group_by=timestamp", "group_by=task&top=0", "interval=week", "", "group_by=task&sort=id"} {
		if status, _, _ := get(t, f.url+"/api/v1/audit-logs/stats?"+bad); status != 400 {
			t.Errorf("stats?%s answered %d, want 400", bad, status)
		}
	}

	status, body, _ = get(t, f.url+"/statistics?range=7d")
	if status != 200 {
		t.Fatalf("statistics page: %d", status)
	}
	for _, want := range []string{`id="by-task"`, `id="by-user"`, `id="by-workspace"`, `id="by-application"`, `id="active-users"`, `id="timeline"`,
		`href="/audit-logs?range=7d&amp;user_name=%22ann%22"`, "bob&lt;b&gt;", ">8</text>"} {
		if !strings.Contains(body, want) {
			t.Errorf("statistics page lacks %q", want)
		}
	}
	if strings.Contains(body, "bob<b>") {
		t.Error("a user name is not escaped in the chart")
	}
	// A bar's link filters the grid to it.
	_, grid, _ := get(t, f.url+"/audit-logs?range=7d&user_name=%22ann%22")
	if !strings.Contains(grid, "8 entries match") {
		t.Error("the grid behind a bar does not show that bar's entries")
	}
}
