package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// JobColumns are the job columns every job read returns, in scan order.
const JobColumns = "id, name, job_type, state, percent, summary, scheduled_start, actual_start, end_time, recurrence, parent_id, retry_of, owner, domain, handler, on_missed, note, created_at, updated_at, params"

// DefaultJobSort is the order of the Job List page: the latest scheduled
// start first, so that what runs next and what ran last sit on top.
var DefaultJobSort = JobSort{Field: JobSortScheduledStart, Desc: true}

// ParseJobSort reads "field" (ascending) or "-field" (descending); the
// empty string is DefaultJobSort.
func ParseJobSort(s string) (JobSort, error) {
	if s == "" {
		return DefaultJobSort, nil
	}
	out := JobSort{}
	if strings.HasPrefix(s, "-") {
		out.Desc, s = true, s[1:]
	}
	for _, f := range JobSortFields {
		if string(f) == s {
			out.Field = f
			return out, nil
		}
	}
	return JobSort{}, fmt.Errorf("unknown job sort field %q", s)
}

func (s JobSort) String() string {
	if s.Desc {
		return "-" + string(s.Field)
	}
	return string(s.Field)
}

// jobTimeField reports whether f is one of the time columns, which the
// cursor carries as microseconds and the engines compare as timestamps.
func jobTimeField(f JobSortField) bool {
	return f == JobSortScheduledStart || f == JobSortActualStart || f == JobSortEndTime
}

// JobMicro encodes a job time as microseconds since the epoch, the zero
// time ("not yet") as 0, which is how the engines store it.
func JobMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// JobSortValue returns the sort value of j in the column f: text for the
// text columns, a number for percent and the times (microseconds, 0 for
// "not yet"), neither for id, whose value is the tie-breaker itself.
func JobSortValue(f JobSortField, j *Job) (string, int64) {
	switch f {
	case JobSortName:
		return j.Name, 0
	case JobSortState:
		return j.State, 0
	case JobSortJobType:
		return j.JobType, 0
	case JobSortSummary:
		return j.Summary, 0
	case JobSortOwner:
		return j.Owner, 0
	case JobSortPercent:
		return "", int64(j.Percent)
	case JobSortScheduledStart:
		return "", JobMicro(j.ScheduledStart)
	case JobSortActualStart:
		return "", JobMicro(j.ActualStart)
	case JobSortEndTime:
		return "", JobMicro(j.EndTime)
	}
	return "", 0
}

// JobCursorAt returns the cursor that continues after (or, backward,
// before) j.
func JobCursorAt(s JobSort, j *Job, backward bool) *JobCursor {
	text, num := JobSortValue(s.Field, j)
	return &JobCursor{Sort: s.String(), Text: text, Num: num, ID: j.ID, Backward: backward}
}

// Encode returns the opaque form of c that clients pass back.
func (c *JobCursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeJobCursor reads a cursor made by Encode for the sort s. A cursor
// made for another sort would position the listing on values of another
// column, so it is refused rather than misread.
func DecodeJobCursor(token string, s JobSort) (*JobCursor, error) {
	if len(token) > 2048 {
		return nil, fmt.Errorf("%w: too long", ErrInvalidCursor)
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrInvalidCursor)
	}
	var c JobCursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: malformed", ErrInvalidCursor)
	}
	if c.Sort != s.String() {
		return nil, fmt.Errorf("%w: made for sort %q, not %q", ErrInvalidCursor, c.Sort, s.String())
	}
	return &c, nil
}

// JobTimeArg converts a job time to the engine's parameter: the zero time
// ("not yet") becomes the epoch, which SQLite stores as 0 and PostgreSQL as
// 1970-01-01T00:00:00Z, so that sorts and keyset paging never meet NULL.
func (d Dialect) JobTimeArg(t time.Time) any {
	if t.IsZero() {
		t = time.UnixMicro(0)
	}
	return d.TimeArg(t)
}

// in selects the rows whose col is one of vals; no vals do not filter.
func (b *sqlBuilder) in(col string, vals []string) {
	if len(vals) == 0 {
		return
	}
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = b.arg(v)
	}
	b.where = append(b.where, col+" IN ("+strings.Join(ps, ", ")+")")
}

// timeRange selects the jobs whose col is set and in [from, to); a job
// that has not started has no actual start to fall in a range.
func (b *sqlBuilder) timeRange(col string, from, to time.Time) {
	if from.IsZero() && to.IsZero() {
		return
	}
	b.where = append(b.where, col+" <> "+b.arg(b.d.JobTimeArg(time.Time{})))
	if !from.IsZero() {
		b.where = append(b.where, col+" >= "+b.arg(b.d.JobTimeArg(from)))
	}
	if !to.IsZero() {
		b.where = append(b.where, col+" < "+b.arg(b.d.JobTimeArg(to)))
	}
}

func (b *sqlBuilder) jobFilter(f JobFilter) {
	b.in("state", f.State)
	b.matches("job_type", f.JobType)
	b.in("owner", f.Owner)
	if f.NamePrefix != "" {
		b.where = append(b.where, fmt.Sprintf("(name >= %s AND name < %s)", b.arg(f.NamePrefix), b.arg(f.NamePrefix+prefixEnd)))
	}
	b.timeRange("scheduled_start", f.ScheduledFrom, f.ScheduledTo)
	b.timeRange("actual_start", f.ActualFrom, f.ActualTo)
	if f.ParentID != 0 {
		b.where = append(b.where, "parent_id = "+b.arg(f.ParentID))
	}
	if f.TopLevel {
		b.where = append(b.where, "parent_id = 0")
	}
}

// JobListSQL builds the query of one page of jobs: limit+1 rows so that
// the caller knows whether another page follows, ordered by the sort
// column and then id, both in the sort's direction. A backward cursor
// reads in the reverse order; JobPageFrom turns the rows around.
func (d Dialect) JobListSQL(scope Scope, q JobQuery) (string, []any, error) {
	if !slices.Contains(JobSortFields, q.Sort.Field) {
		return "", nil, fmt.Errorf("unknown job sort field %q", q.Sort.Field)
	}
	if q.After != nil && q.After.Sort != q.Sort.String() {
		return "", nil, fmt.Errorf("%w: made for sort %q, not %q", ErrInvalidCursor, q.After.Sort, q.Sort.String())
	}
	col := string(q.Sort.Field)
	desc := q.Sort.Desc
	if q.After != nil && q.After.Backward {
		desc = !desc
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	b := &sqlBuilder{d: d}
	b.scope(scope)
	b.jobFilter(q.Filter)
	order := " ORDER BY id" + dir
	if q.Sort.Field != JobSortID {
		order = " ORDER BY " + col + dir + ", id" + dir
	}
	if c := q.After; c != nil {
		op := ">"
		if desc {
			op = "<"
		}
		var val string
		switch {
		case q.Sort.Field == JobSortID:
		case q.Sort.Field == JobSortPercent:
			val = b.arg(c.Num)
		case jobTimeField(q.Sort.Field):
			val = b.arg(b.d.TimeArg(time.UnixMicro(c.Num)))
		default:
			val = b.arg(c.Text)
		}
		if val == "" {
			b.where = append(b.where, "id "+op+" "+b.arg(c.ID))
		} else {
			b.where = append(b.where, fmt.Sprintf("(%s, id) %s (%s, %s)", col, op, val, b.arg(c.ID)))
		}
	}
	return "SELECT " + JobColumns + " FROM jobs" + b.whereSQL() + order + " LIMIT " + b.arg(q.Limit+1), b.args, nil
}

// JobPageFrom turns the rows a JobListSQL query returned into a page with
// its cursors.
func JobPageFrom(rows []Job, q JobQuery) JobPage {
	backward := q.After != nil && q.After.Backward
	more := len(rows) > q.Limit
	if more {
		rows = rows[:max(q.Limit, 0)]
	}
	p := JobPage{Jobs: rows}
	if len(rows) == 0 {
		return p
	}
	if backward {
		slices.Reverse(rows)
		p.Next = JobCursorAt(q.Sort, &rows[len(rows)-1], false)
		if more {
			p.Prev = JobCursorAt(q.Sort, &rows[0], true)
		}
		return p
	}
	if more {
		p.Next = JobCursorAt(q.Sort, &rows[len(rows)-1], false)
	}
	if q.After != nil {
		p.Prev = JobCursorAt(q.Sort, &rows[0], true)
	}
	return p
}

// DueJobsSQL builds the query of DueJobs: it walks the partial index
// jobs_due, which holds only Logbook's own jobs.
func (d Dialect) DueJobsSQL(now time.Time, limit int) (string, []any) {
	b := &sqlBuilder{d: d}
	return "SELECT " + JobColumns + " FROM jobs WHERE handler <> '' AND state = " + b.arg(JobScheduled) +
		" AND scheduled_start <= " + b.arg(d.JobTimeArg(now)) +
		" ORDER BY scheduled_start, id LIMIT " + b.arg(max(limit, 0)), b.args
}

// JobToCreate returns j as CreateJob stores it: times in UTC whole microseconds,
// CreatedAt now when zero, UpdatedAt CreatedAt when zero, State SCHEDULED
// and OnMissed "run" when empty. Both engines call it so that a new job
// reads back the same from either.
func JobToCreate(j Job, now time.Time) Job {
	j.ID = 0
	if j.CreatedAt.IsZero() {
		j.CreatedAt = now
	}
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = j.CreatedAt
	}
	if j.State == "" {
		j.State = JobScheduled
	}
	if j.OnMissed == "" {
		j.OnMissed = "run"
	}
	normalizeJobTimes(&j)
	return j
}

// JobToUpdate checks what fn made of before (the job as stored) in
// UpdateJob and returns the job to write: ID, ParentID and CreatedAt must
// not have changed, times are brought to UTC whole microseconds and
// UpdatedAt is now.
func JobToUpdate(before, after Job, now time.Time) (Job, error) {
	switch {
	case after.ID != before.ID:
		return Job{}, fmt.Errorf("the id of job %d cannot change (to %d)", before.ID, after.ID)
	case after.ParentID != before.ParentID:
		return Job{}, fmt.Errorf("the parent of job %d cannot change (from %d to %d)", before.ID, before.ParentID, after.ParentID)
	case !after.CreatedAt.Equal(before.CreatedAt):
		return Job{}, fmt.Errorf("the creation time of job %d cannot change", before.ID)
	}
	after.CreatedAt = before.CreatedAt
	after.UpdatedAt = now
	normalizeJobTimes(&after)
	return after, nil
}

// normalizeJobTimes brings every time of j to what the engines give back:
// UTC, whole microseconds; in the columns that may say "not yet" the epoch
// reads as the zero time, since the engines store one for the other.
func normalizeJobTimes(j *Job) {
	for _, t := range []*time.Time{&j.ScheduledStart, &j.ActualStart, &j.EndTime, &j.CreatedAt, &j.UpdatedAt} {
		if !t.IsZero() {
			*t = t.UTC().Truncate(time.Microsecond)
		}
	}
	for _, t := range []*time.Time{&j.ScheduledStart, &j.ActualStart, &j.EndTime} {
		*t = JobTime(*t)
	}
}

// JobTime returns a time read from a job column that may say "not yet":
// the epoch, which stands for "not yet", reads as the zero time; any
// other time as itself in UTC.
func JobTime(t time.Time) time.Time {
	if t.IsZero() || t.Equal(time.UnixMicro(0)) {
		return time.Time{}
	}
	return t.UTC()
}

// MissingIDs returns the ids of want that are not in found, in the order
// of want and each once; never nil.
func MissingIDs(want []int64, found map[int64]bool) []int64 {
	out := []int64{}
	seen := make(map[int64]bool, len(want))
	for _, id := range want {
		if found[id] || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}
