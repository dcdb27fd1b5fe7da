package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func configInput(task string, change string) Input {
	return Input{UserName: "super", Application: "REST", Task: task, Result: "Success", ConfigChange: json.RawMessage(change)}
}

func TestConfigChangeValidation(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	huge := strings.Repeat("x", MaxConfigSide+1)
	cases := []struct {
		name, task, change string
		field              string // "" when valid
	}{
		{"one object on a configuration task", "Apply CLI Configlet", `{"device":"mx960-1","format":"set","before":"a\n","after":"b\n"}`, ""},
		{"an array, format defaults to text", "Deploy Template", `[{"device":"a","before":"x","after":"y"},{"device":"b","before":"","after":"z"}]`, ""},
		{"every configuration task is allowed", "Resolve Key Conflicts", `{"device":"d","before":"","after":"k"}`, ""},
		{"not a configuration task", "Login", `{"device":"d","before":"","after":"k"}`, "config_change"},
		{"task close to one", "Apply CLI Configlets", `{"device":"d","before":"","after":"k"}`, "config_change"},
		{"missing device", "Execute Script", `{"before":"a","after":"b"}`, "config_change[0].device"},
		{"bad format", "Execute Script", `{"device":"d","format":"yaml","before":"a","after":"b"}`, "config_change[0].format"},
		{"unknown field", "Execute Script", `{"device":"d","diff":"x"}`, "config_change"},
		{"not an object", "Execute Script", `"text"`, "config_change"},
		{"empty array", "Execute Script", `[]`, "config_change"},
		{"no change", "Execute Script", `{"device":"d","before":"a","after":"a"}`, "config_change[0].after"},
		{"side over the limit", "Restore Configuration", `{"device":"d","before":"","after":"` + huge + `"}`, "config_change[0].after"},
		{"control character in device", "Execute Script", `{"device":"d\u0007","before":"a","after":"b"}`, "config_change[0].device"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, errs := Validate(configInput(tc.task, tc.change), now)
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("refused: %v", errs)
				}
				if !e.HasConfigChange || len(e.ConfigChanges) == 0 || string(e.ConfigDigest) != string(ConfigDigest(e.ConfigChanges)) {
					t.Fatalf("accepted without its change: %+v", e)
				}
				for _, c := range e.ConfigChanges {
					if c.Format == "" {
						t.Error("format not defaulted")
					}
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tc.field {
				t.Fatalf("errors %v, want one naming %s", errs, tc.field)
			}
		})
	}
	if e, errs := Validate(configInput("Apply CLI Configlet", ""), now); len(errs) != 0 || e.HasConfigChange {
		t.Errorf("no config_change: %v %v", errs, e.HasConfigChange)
	}
	if len(ConfigTasks) != 9 {
		t.Errorf("%d configuration tasks, want the nine of the seed", len(ConfigTasks))
	}
}
