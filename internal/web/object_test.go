package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/audit"
)

func TestObjectHistoryAndFilter(t *testing.T) {
	f := newFixture(t, 0)
	cs := []audit.ConfigChange{{Device: "ge/0 router", Format: "set", Before: "a\n", After: "b\n"}}
	ids := f.submit(t,
		audit.Entry{UserName: "ann", Application: "REST", Task: "Apply CLI Configlet", Result: audit.ResultSuccess,
			AffectedObjects: []audit.Object{{Type: "Device", Name: "ge/0 router"}, {Type: "Configlet", Name: "ntp"}},
			ConfigChanges:   cs, HasConfigChange: true, ConfigDigest: audit.ConfigDigest(cs)},
		audit.Entry{UserName: "bob", Application: "REST", Task: "Resynchronize Device", Result: audit.ResultSuccess,
			AffectedObjects: []audit.Object{{Type: "Device", Name: "ge/0 router"}}},
		audit.Entry{UserName: "cy", Application: "REST", Task: "Login", Result: audit.ResultSuccess,
			AffectedObjects: []audit.Object{{Type: "Device", Name: "other"}}})
	path := "/objects/Device/" + url.PathEscape("ge/0 router")
	status, body, _ := get(t, f.url+path)
	if status != 200 {
		t.Fatalf("object page: %d", status)
	}
	for _, want := range []string{"touched by 2 audit logs", `id="config-timeline"`, "/audit-logs/" + strconv.FormatInt(ids[0], 10) + "/config-change",
		"Resynchronize Device", `href="/audit-logs?object=Device`} {
		if !strings.Contains(body, want) {
			t.Errorf("object page lacks %q", want)
		}
	}
	if strings.Contains(body, ">cy<") {
		t.Error("the object page lists an entry of another object")
	}
	// The detail dialog links its objects to their history.
	_, body, _ = get(t, f.url+"/audit-logs/"+strconv.FormatInt(ids[0], 10))
	if !strings.Contains(body, `href="/objects/Device/ge%2F0%20router"`) {
		t.Error("the detail page does not link the object to its history")
	}
	// The grid and the API filter by object.
	_, body, _ = get(t, f.url+"/audit-logs?object="+url.QueryEscape("Device:ge/0 router"))
	if !strings.Contains(body, "2 entries match") {
		t.Error("the grid's object filter does not select the object's entries")
	}
	if status, _, _ := get(t, f.url+"/api/v1/audit-logs?object=Device"); status != 400 {
		t.Errorf("a malformed object filter answered %d", status)
	}
}
