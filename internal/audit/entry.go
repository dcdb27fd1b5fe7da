// Package audit defines the audit log entry: its fields, the rules an entry
// must satisfy before it is stored, and the canonical encoding that the hash
// chain is computed over. It does no I/O so that every surface (HTTP, CLI,
// SDK, stores) shares exactly one definition of a valid entry.
package audit

import (
	"encoding/json"
	"time"
)

// Result is the outcome of the task that triggered an audit log entry.
type Result string

// The four results of Table 1 of the Junos Space audit log page.
const (
	ResultSuccess               Result = "Success"
	ResultFailure               Result = "Failure"
	ResultJobScheduled          Result = "Job Scheduled"
	ResultRecurringJobScheduled Result = "Recurring Job Scheduled"
)

// Results lists every valid result in the order the UI offers them.
var Results = []Result{ResultSuccess, ResultFailure, ResultJobScheduled, ResultRecurringJobScheduled}

// Valid reports whether r is one of the four known results.
func (r Result) Valid() bool {
	for _, v := range Results {
		if r == v {
			return true
		}
	}
	return false
}

// Object is one typed object a task touched, such as a Device or a Configlet.
type Object struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Entry is one recorded task or login. The JSON form is the native API
// contract (DESIGN.md §2); Hash and PrevHash are hex SHA-256 values.
type Entry struct {
	ID                   int64     `json:"id"`
	Timestamp            time.Time `json:"timestamp"`
	RecordedAt           time.Time `json:"recorded_at"`
	UserName             string    `json:"user_name"`
	UserIP               string    `json:"user_ip"`
	Domain               string    `json:"domain"`
	Application          string    `json:"application"`
	Workspace            string    `json:"workspace"`
	Task                 string    `json:"task"`
	Result               Result    `json:"result"`
	JobID                int64     `json:"job_id,omitempty"`
	Description          string    `json:"description"`
	AffectedObjects      []Object  `json:"affected_objects"`
	AffectedObjectDetail string    `json:"affected_object_detail"`
	HasConfigChange      bool      `json:"has_config_change"`
	// ConfigDigest is the digest of the entry's configuration changes
	// (ConfigDigest), which the hash covers; ConfigChanges are the changes
	// themselves, set on ingest and read separately.
	ConfigDigest  []byte         `json:"-"`
	ConfigChanges []ConfigChange `json:"-"`
	// Salt is the random value the entry's leaf in the verifiable log
	// commits with (package integrity); nil for an entry whose leaf is
	// not made yet. It is never shown: a proof hands it out.
	Salt     []byte `json:"-"`
	Source   string `json:"source"`
	EventID  string `json:"event_id,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// MarshalJSON renders timestamps in UTC with microsecond precision and an
// empty list rather than null for affected objects, so that clients never
// have to special-case either. Fields come in the order of DESIGN.md §2.
func (e Entry) MarshalJSON() ([]byte, error) {
	objects := e.AffectedObjects
	if objects == nil {
		objects = []Object{}
	}
	return json.Marshal(struct {
		ID                   int64    `json:"id"`
		Timestamp            string   `json:"timestamp"`
		RecordedAt           string   `json:"recorded_at"`
		UserName             string   `json:"user_name"`
		UserIP               string   `json:"user_ip"`
		Domain               string   `json:"domain"`
		Application          string   `json:"application"`
		Workspace            string   `json:"workspace"`
		Task                 string   `json:"task"`
		Result               Result   `json:"result"`
		JobID                int64    `json:"job_id,omitempty"`
		Description          string   `json:"description"`
		AffectedObjects      []Object `json:"affected_objects"`
		AffectedObjectDetail string   `json:"affected_object_detail"`
		HasConfigChange      bool     `json:"has_config_change"`
		Source               string   `json:"source"`
		EventID              string   `json:"event_id,omitempty"`
		PrevHash             string   `json:"prev_hash"`
		Hash                 string   `json:"hash"`
	}{e.ID, FormatTime(e.Timestamp), FormatTime(e.RecordedAt), e.UserName, e.UserIP, e.Domain,
		e.Application, e.Workspace, e.Task, e.Result, e.JobID, e.Description, objects,
		e.AffectedObjectDetail, e.HasConfigChange, e.Source, e.EventID, e.PrevHash, e.Hash})
}

// TimeLayout is how Logbook writes every timestamp: UTC, microseconds.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t in TimeLayout.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// ConfigTasks are the tasks whose entries may carry a configuration change
// and show the "View Configuration Detail" link.
var ConfigTasks = []string{
	"Modify Device Configuration",
	"Deploy Device Configuration",
	"Execute Script",
	"Modify Device Authentication",
	"Deploy Template",
	"Apply CLI Configlet",
	"Deploy Device Image",
	"Restore Configuration",
	"Resolve Key Conflicts",
}

// IsConfigTask reports whether task is one of ConfigTasks.
func IsConfigTask(task string) bool {
	for _, t := range ConfigTasks {
		if t == task {
			return true
		}
	}
	return false
}
