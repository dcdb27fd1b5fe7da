package store

import (
	"context"
	"encoding/json"
	"time"
)

// Job states (Table 2 of the Junos Space Job List page, plus SCHEDULED).
const (
	JobScheduled  = "SCHEDULED"
	JobInProgress = "IN_PROGRESS"
	JobSuccess    = "SUCCESS"
	JobFailure    = "FAILURE"
	JobCanceled   = "CANCELED"
)

// Job is a unit of work a task scheduled, or one of Logbook's own.
type Job struct {
	ID             int64
	Name           string
	JobType        string
	State          string
	Percent        int
	Summary        string
	ScheduledStart time.Time
	ActualStart    time.Time // zero: not started
	EndTime        time.Time // zero: not ended
	Recurrence     string    // RFC 5545 text (DTSTART and RRULE lines); "" for a one-off job
	ParentID       int64     // the recurring job this is an occurrence of; 0 for none
	RetryOf        int64     // the failed job this retries; 0 for none
	Owner          string
	Domain         string
	Handler        string // the kind of work for Logbook's own jobs; "" for applications' jobs
	OnMissed       string // "run" (once, late) or "skip" (recorded as missed) after downtime
	Note           string // why the job ended as it did, when it says more than the state
	// Params are the parameters of one of Logbook's own jobs, a JSON
	// object (at most MaxJobParams bytes); nil for none. Occurrences of a
	// recurring job and retries carry their job's parameters.
	Params    json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxJobParams bounds the parameters of a job.
const MaxJobParams = 64 << 10

// JobSortField names a column the job list can be ordered by; every sort
// ends in the tie-breaker id.
type JobSortField string

// The sortable job columns.
const (
	JobSortID             JobSortField = "id"
	JobSortName           JobSortField = "name"
	JobSortPercent        JobSortField = "percent"
	JobSortState          JobSortField = "state"
	JobSortJobType        JobSortField = "job_type"
	JobSortSummary        JobSortField = "summary"
	JobSortScheduledStart JobSortField = "scheduled_start"
	JobSortActualStart    JobSortField = "actual_start"
	JobSortEndTime        JobSortField = "end_time"
	JobSortOwner          JobSortField = "owner"
)

// JobSortFields lists every sortable job column.
var JobSortFields = []JobSortField{JobSortID, JobSortName, JobSortPercent, JobSortState, JobSortJobType,
	JobSortSummary, JobSortScheduledStart, JobSortActualStart, JobSortEndTime, JobSortOwner}

// JobSort is an order of the job list.
type JobSort struct {
	Field JobSortField
	Desc  bool
}

// JobFilter selects jobs; empty fields do not filter.
type JobFilter struct {
	State         []string
	JobType       []Match
	Owner         []string // jobs of these owners only
	NamePrefix    string
	ScheduledFrom time.Time // inclusive
	ScheduledTo   time.Time // exclusive
	ActualFrom    time.Time
	ActualTo      time.Time
	ParentID      int64 // occurrences of this recurring job; 0 does not filter
	TopLevel      bool  // only jobs that are not occurrences
}

// JobQuery is a filtered, sorted, paged read of jobs.
type JobQuery struct {
	Filter JobFilter
	Sort   JobSort
	Limit  int
	After  *JobCursor
}

// JobCursor is a position in a sorted job list: the sort value of the job
// at the page edge and its id. Backward reads the page before it.
type JobCursor struct {
	Sort     string `json:"s"`
	Text     string `json:"v,omitempty"`
	Num      int64  `json:"n,omitempty"` // percent, or a time in microseconds (0: none)
	ID       int64  `json:"i"`
	Backward bool   `json:"b,omitempty"`
}

// JobPage is one page of jobs.
type JobPage struct {
	Jobs       []Job
	Next, Prev *JobCursor
}

// Jobs keeps jobs. Every engine implements it as part of Store.
type Jobs interface {
	// CreateJob stores a new job and returns it with its id and times.
	CreateJob(ctx context.Context, j Job) (Job, error)
	// GetJob returns a job of a domain scope allows; ErrNotFound otherwise.
	GetJob(ctx context.Context, scope Scope, id int64) (Job, error)
	// ListJobs returns one page of the jobs scope allows and q selects.
	ListJobs(ctx context.Context, scope Scope, q JobQuery) (JobPage, error)
	// UpdateJob reads a job, lets fn change it and writes it back in one
	// transaction; an error from fn aborts and is returned. ID, CreatedAt
	// and ParentID cannot change.
	UpdateJob(ctx context.Context, id int64, fn func(*Job) error) (Job, error)
	// DueJobs returns Logbook's own jobs (Handler set) that are SCHEDULED to
	// start at or before now, earliest first, at most limit.
	DueJobs(ctx context.Context, now time.Time, limit int) ([]Job, error)
	// MissingJobs returns those of ids that name no job, in any domain.
	MissingJobs(ctx context.Context, ids []int64) ([]int64, error)
}

// JobParams reads the params column: "" (and JSON null) mean none.
func JobParams(s string) json.RawMessage {
	if s == "" || s == "null" {
		return nil
	}
	return json.RawMessage(s)
}
