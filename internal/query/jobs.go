package query

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// jobParams are the parameters of the job list.
var jobParams = []string{"state", "job_type", "owner", "name", "scheduled_from", "scheduled_to", "actual_from", "actual_to",
	"parent", "top_level", "sort", "limit", "cursor"}

// ParseJobs reads a job listing from URL parameters, for the API and the
// Job List page alike.
func ParseJobs(v url.Values) (store.JobQuery, error) {
	q := store.JobQuery{Limit: DefaultLimit}
	for name := range v {
		if !slices.Contains(jobParams, name) {
			return q, bad(name, "is not a filter of jobs")
		}
	}
	for _, s := range splitValues(v["state"]) {
		if !job.ValidState(s) {
			return q, bad("state", "must be SCHEDULED, IN_PROGRESS, SUCCESS, FAILURE or CANCELED")
		}
		q.Filter.State = append(q.Filter.State, s)
	}
	for _, s := range v["job_type"] {
		if strings.HasSuffix(s, "*") {
			q.Filter.JobType = append(q.Filter.JobType, store.Match{Value: strings.TrimSuffix(s, "*"), Prefix: true})
		} else if s != "" {
			q.Filter.JobType = append(q.Filter.JobType, store.Match{Value: s})
		}
	}
	q.Filter.Owner = splitValues(v["owner"])
	// Each value is a condition of the SQL: unbounded, a long URL of
	// job_type prefixes made an OR deeper than SQLite takes (500).
	for _, c := range []struct {
		name string
		n    int
	}{{"state", len(q.Filter.State)}, {"job_type", len(q.Filter.JobType)}, {"owner", len(q.Filter.Owner)}} {
		if c.n > MaxFilterValues {
			return q, bad(c.name, "has more than 50 values")
		}
	}
	q.Filter.NamePrefix = v.Get("name")
	var err error
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"scheduled_from", &q.Filter.ScheduledFrom}, {"scheduled_to", &q.Filter.ScheduledTo},
		{"actual_from", &q.Filter.ActualFrom}, {"actual_to", &q.Filter.ActualTo}} {
		if *p.dst, err = parseTime(p.name, v.Get(p.name)); err != nil {
			return q, err
		}
	}
	if s := v.Get("parent"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, bad("parent", "must be a positive integer")
		}
		q.Filter.ParentID = id
	}
	q.Filter.TopLevel = v.Get("top_level") == "true"
	if q.Sort, err = store.ParseJobSort(v.Get("sort")); err != nil {
		return q, bad("sort", "must be one of id, name, percent, state, job_type, summary, scheduled_start, actual_start, end_time, owner, optionally preceded by -")
	}
	if q.Limit, err = parseLimit(v, DefaultLimit); err != nil {
		return q, err
	}
	if c := v.Get("cursor"); c != "" {
		if q.After, err = store.DecodeJobCursor(c, q.Sort); err != nil {
			return q, badCursor(q.Sort.String())
		}
	}
	return q, nil
}
