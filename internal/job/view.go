package job

import (
	"encoding/json"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// View is a job as the API answers it and the pages show it: times in
// audit.FormatTime, the recurrence in words with its coming runs, and
// the parameters with their secrets masked.
type View struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	JobType        string   `json:"job_type"`
	State          string   `json:"state"`
	Percent        int      `json:"percent"`
	Summary        string   `json:"summary"`
	ScheduledStart string   `json:"scheduled_start"`
	ActualStart    string   `json:"actual_start,omitempty"`
	EndTime        string   `json:"end_time,omitempty"`
	Recurrence     string   `json:"recurrence,omitempty"`
	RecurrenceText string   `json:"recurrence_text,omitempty"`
	NextRuns       []string `json:"next_runs,omitempty"`
	ParentID       int64    `json:"parent_id,omitempty"`
	RetryOf        int64    `json:"retry_of,omitempty"`
	Owner          string   `json:"owner"`
	Domain         string   `json:"domain"`
	OnMissed       string   `json:"on_missed"`
	Note           string   `json:"note,omitempty"`
	// Params are the parameters of one of Logbook's own jobs, secrets
	// masked (RedactParams).
	Params    json.RawMessage `json:"params,omitempty"`
	CreatedAt string          `json:"created_at"`
	UpdatedAt string          `json:"updated_at"`
}

// previewRuns is how many coming runs of a recurring job are shown.
const previewRuns = 5

// ViewOf returns the view of j at now (which decides its coming runs).
func ViewOf(j store.Job, now time.Time) View {
	v := View{ID: j.ID, Name: j.Name, JobType: j.JobType, State: j.State, Percent: j.Percent, Summary: j.Summary,
		ScheduledStart: audit.FormatTime(j.ScheduledStart), ActualStart: audit.FormatTime(j.ActualStart),
		EndTime: audit.FormatTime(j.EndTime), Recurrence: j.Recurrence, ParentID: j.ParentID, RetryOf: j.RetryOf,
		Owner: j.Owner, Domain: j.Domain, OnMissed: j.OnMissed, Note: j.Note,
		CreatedAt: audit.FormatTime(j.CreatedAt), UpdatedAt: audit.FormatTime(j.UpdatedAt), Params: RedactParams(j.Params)}
	if j.Recurrence != "" {
		if r, err := ParseRule(j.Recurrence); err == nil {
			v.RecurrenceText = r.Text()
			if !Finished(j.State) {
				for _, t := range r.After(now, previewRuns) {
					v.NextRuns = append(v.NextRuns, audit.FormatTime(t))
				}
			}
		}
	}
	return v
}
