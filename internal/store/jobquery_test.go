package store

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseJobSort(t *testing.T) {
	if len(JobSortFields) != 10 {
		t.Fatalf("JobSortFields has %d fields; update this test", len(JobSortFields))
	}
	for _, f := range JobSortFields {
		got, err := ParseJobSort(string(f))
		if err != nil || got != (JobSort{Field: f}) || got.String() != string(f) {
			t.Errorf("ParseJobSort(%q) = %+v (%q), %v; want ascending %s", f, got, got.String(), err, f)
		}
		got, err = ParseJobSort("-" + string(f))
		if err != nil || got != (JobSort{Field: f, Desc: true}) || got.String() != "-"+string(f) {
			t.Errorf("ParseJobSort(%q) = %+v (%q), %v; want descending %s", "-"+f, got, got.String(), err, f)
		}
	}
	if got, err := ParseJobSort(""); err != nil || got != DefaultJobSort || got != (JobSort{Field: JobSortScheduledStart, Desc: true}) {
		t.Errorf("ParseJobSort(\"\") = %+v, %v; want the latest scheduled start first", got, err)
	}
	for _, s := range []string{"-", "--id", "+name", "Name", " name", "name ", "job-type", "domain", "recurrence", "timestamp", "-bogus"} {
		if got, err := ParseJobSort(s); err == nil {
			t.Errorf("ParseJobSort(%q) = %+v, want an error", s, got)
		}
	}
}

func cursorJob() *Job {
	return &Job{ID: 42, Name: "Backup", JobType: "Database Backup", State: JobSuccess, Percent: 100,
		Summary: "ok", ScheduledStart: time.Date(2026, 11, 25, 22, 31, 34, 123456000, time.UTC),
		ActualStart: time.Date(2026, 11, 25, 22, 32, 0, 0, time.UTC), Owner: "super", Domain: "Global"}
}

func TestJobCursorAtAndRoundTrip(t *testing.T) {
	j := cursorJob()
	text := map[JobSortField]string{JobSortName: "Backup", JobSortState: "SUCCESS", JobSortJobType: "Database Backup",
		JobSortSummary: "ok", JobSortOwner: "super"}
	num := map[JobSortField]int64{JobSortPercent: 100, JobSortScheduledStart: j.ScheduledStart.UnixMicro(),
		JobSortActualStart: j.ActualStart.UnixMicro(), JobSortEndTime: 0}
	for _, f := range JobSortFields {
		for _, desc := range []bool{false, true} {
			for _, backward := range []bool{false, true} {
				s := JobSort{Field: f, Desc: desc}
				c := JobCursorAt(s, j, backward)
				want := &JobCursor{Sort: s.String(), Text: text[f], Num: num[f], ID: 42, Backward: backward}
				if d := cmp.Diff(want, c); d != "" {
					t.Errorf("JobCursorAt(%s, backward=%v) (-want +got):\n%s", s, backward, d)
				}
				token := c.Encode()
				if strings.ContainsAny(token, "+/=") {
					t.Errorf("token %q is not unpadded base64url", token)
				}
				got, err := DecodeJobCursor(token, s)
				if err != nil {
					t.Fatalf("DecodeJobCursor(%s): %v", s, err)
				}
				if d := cmp.Diff(c, got); d != "" {
					t.Errorf("round trip of %+v (-sent +got):\n%s", c, d)
				}
			}
		}
	}
}

func TestDecodeJobCursorRefuses(t *testing.T) {
	byName := JobSort{Field: JobSortName}
	valid := JobCursorAt(byName, cursorJob(), false).Encode()
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct{ name, token string }{
		{"garbage", "!!not a cursor!!"},
		{"not base64url", "a+b/c"},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte(`{"s":"name","i":12}`))},
		{"base64 of text", b64([]byte("hello"))},
		{"base64 of JSON array", b64([]byte(`[1,2]`))},
		{"wrong field type", b64([]byte(`{"s":"name","n":"x","i":1}`))},
		{"other sort", JobCursorAt(JobSort{Field: JobSortOwner}, cursorJob(), false).Encode()},
		{"other direction", JobCursorAt(JobSort{Field: JobSortName, Desc: true}, cursorJob(), false).Encode()},
		{"audit log cursor", CursorAt(Sort{Field: SortUserName}, cursorEntry(), false).Encode()},
		{"no sort", b64([]byte(`{"i":1}`))},
		{"too long", strings.Repeat("A", 2049)},
		{"too long but otherwise valid", (&JobCursor{Sort: "name", Text: strings.Repeat("a", 1600), ID: 1}).Encode()},
		{"valid with junk appended", valid + "!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeJobCursor(tt.token, byName)
			if !errors.Is(err, ErrInvalidCursor) {
				t.Errorf("DecodeJobCursor = %+v, %v; want ErrInvalidCursor", c, err)
			}
			if c != nil {
				t.Errorf("DecodeJobCursor returned a cursor with its error: %+v", c)
			}
		})
	}
	if _, err := DecodeJobCursor(valid, byName); err != nil {
		t.Errorf("the valid cursor itself is refused: %v", err)
	}
}

// pgLike numbers its placeholders and passes times as times, as the
// PostgreSQL engine does.
var pgLike = Dialect{
	Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
	TimeArg:     func(t time.Time) any { return t.UTC().Truncate(time.Microsecond) },
}

func TestJobListSQL(t *testing.T) {
	const sel = "SELECT " + JobColumns + " FROM jobs"
	at := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	epoch := time.Unix(0, 0).UTC()
	byName := JobSort{Field: JobSortName}
	tests := []struct {
		name     string
		scope    Scope
		q        JobQuery
		wantSQL  string
		wantArgs []any
	}{
		{"first page", AllDomains, JobQuery{Sort: DefaultJobSort, Limit: 50},
			sel + " ORDER BY scheduled_start DESC, id DESC LIMIT $1", []any{51}},
		{"zero scope", Scope{}, JobQuery{Sort: byName, Limit: 10},
			sel + " WHERE 1 = 0 ORDER BY name ASC, id ASC LIMIT $1", []any{11}},
		{"scope", Scope{Domains: []string{"Global/EMEA"}, Exact: []string{"Global"}}, JobQuery{Sort: byName, Limit: 10},
			sel + " WHERE (domain = $1 OR (domain >= $2 AND domain < $3) OR domain = $4) ORDER BY name ASC, id ASC LIMIT $5",
			[]any{"Global/EMEA", "Global/EMEA/", "Global/EMEA/" + prefixEnd, "Global", 11}},
		{"text after", AllDomains, JobQuery{Sort: byName, Limit: 10, After: &JobCursor{Sort: "name", Text: "Backup", ID: 7}},
			sel + " WHERE (name, id) > ($1, $2) ORDER BY name ASC, id ASC LIMIT $3", []any{"Backup", int64(7), 11}},
		{"text before", AllDomains, JobQuery{Sort: byName, Limit: 10, After: &JobCursor{Sort: "name", Text: "Backup", ID: 7, Backward: true}},
			sel + " WHERE (name, id) < ($1, $2) ORDER BY name DESC, id DESC LIMIT $3", []any{"Backup", int64(7), 11}},
		{"descending before", AllDomains, JobQuery{Sort: JobSort{Field: JobSortOwner, Desc: true}, Limit: 10,
			After: &JobCursor{Sort: "-owner", Text: "jdoe", ID: 7, Backward: true}},
			sel + " WHERE (owner, id) > ($1, $2) ORDER BY owner ASC, id ASC LIMIT $3", []any{"jdoe", int64(7), 11}},
		{"id", AllDomains, JobQuery{Sort: JobSort{Field: JobSortID, Desc: true}, Limit: 10, After: &JobCursor{Sort: "-id", ID: 7}},
			sel + " WHERE id < $1 ORDER BY id DESC LIMIT $2", []any{int64(7), 11}},
		{"percent", AllDomains, JobQuery{Sort: JobSort{Field: JobSortPercent}, Limit: 10, After: &JobCursor{Sort: "percent", Num: 40, ID: 7}},
			sel + " WHERE (percent, id) > ($1, $2) ORDER BY percent ASC, id ASC LIMIT $3", []any{int64(40), int64(7), 11}},
		{"time", AllDomains, JobQuery{Sort: DefaultJobSort, Limit: 10, After: &JobCursor{Sort: "-scheduled_start", Num: at.UnixMicro(), ID: 7}},
			sel + " WHERE (scheduled_start, id) < ($1, $2) ORDER BY scheduled_start DESC, id DESC LIMIT $3", []any{at, int64(7), 11}},
		{"time not yet", AllDomains, JobQuery{Sort: JobSort{Field: JobSortEndTime}, Limit: 10, After: &JobCursor{Sort: "end_time", ID: 7}},
			sel + " WHERE (end_time, id) > ($1, $2) ORDER BY end_time ASC, id ASC LIMIT $3", []any{epoch, int64(7), 11}},
		{"filters", Scope{Exact: []string{"Global"}}, JobQuery{Sort: JobSort{Field: JobSortActualStart}, Limit: 10, Filter: JobFilter{
			State: []string{JobSuccess, JobFailure}, JobType: []Match{{Value: "Discover", Prefix: true}, {Value: "Backup"}},
			Owner: []string{"super"}, NamePrefix: "Nightly", ScheduledFrom: at, ScheduledTo: at.Add(time.Hour),
			ActualTo: at, ParentID: 3, TopLevel: true}},
			sel + " WHERE (domain = $1) AND state IN ($2, $3) AND ((job_type >= $4 AND job_type < $5) OR job_type = $6)" +
				" AND owner IN ($7) AND (name >= $8 AND name < $9) AND scheduled_start <> $10 AND scheduled_start >= $11" +
				" AND scheduled_start < $12 AND actual_start <> $13 AND actual_start < $14 AND parent_id = $15 AND parent_id = 0" +
				" ORDER BY actual_start ASC, id ASC LIMIT $16",
			[]any{"Global", JobSuccess, JobFailure, "Discover", "Discover" + prefixEnd, "Backup", "super", "Nightly",
				"Nightly" + prefixEnd, epoch, at, at.Add(time.Hour), epoch, at, int64(3), 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sql, args, err := pgLike.JobListSQL(tt.scope, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if sql != tt.wantSQL {
				t.Errorf("SQL\n%s\nwant\n%s", sql, tt.wantSQL)
			}
			if d := cmp.Diff(tt.wantArgs, args, sameTime); d != "" {
				t.Errorf("args (-want +got):\n%s", d)
			}
		})
	}
}

func TestJobListSQLRefuses(t *testing.T) {
	if _, _, err := pgLike.JobListSQL(AllDomains, JobQuery{Limit: 10}); err == nil {
		t.Error("the zero sort was accepted")
	}
	if _, _, err := pgLike.JobListSQL(AllDomains, JobQuery{Sort: JobSort{Field: "domain"}, Limit: 10}); err == nil {
		t.Error("an unknown sort field was accepted")
	}
	q := JobQuery{Sort: JobSort{Field: JobSortName}, Limit: 10, After: &JobCursor{Sort: "owner", Text: "super", ID: 1}}
	if _, _, err := pgLike.JobListSQL(AllDomains, q); !errors.Is(err, ErrInvalidCursor) {
		t.Errorf("a cursor of another sort gave %v, want ErrInvalidCursor", err)
	}
}

func TestJobTimeArgNotYet(t *testing.T) {
	sqliteLike := Dialect{Placeholder: func(int) string { return "?" }, TimeArg: func(t time.Time) any { return t.UnixMicro() }}
	if got := sqliteLike.JobTimeArg(time.Time{}); got != int64(0) {
		t.Errorf("SQLite-like \"not yet\" = %v, want 0", got)
	}
	if got := pgLike.JobTimeArg(time.Time{}); got != time.Unix(0, 0).UTC() {
		t.Errorf("PostgreSQL-like \"not yet\" = %v, want the epoch", got)
	}
	if !JobTime(time.Unix(0, 0).In(time.FixedZone("X", 3600))).IsZero() || !JobTime(time.Time{}).IsZero() {
		t.Error("the epoch does not read as \"not yet\"")
	}
	at := time.Date(2026, 11, 25, 22, 0, 0, 0, time.FixedZone("CET", 3600))
	if got := JobTime(at); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("JobTime(%v) = %v", at, got)
	}
}

func jobsNumbered(ids ...int64) []Job {
	out := make([]Job, len(ids))
	for i, id := range ids {
		out[i] = Job{ID: id, Percent: int(id)}
	}
	return out
}

func TestJobPageFrom(t *testing.T) {
	s := JobSort{Field: JobSortPercent}
	at := func(id int64, backward bool) *JobCursor {
		return &JobCursor{Sort: "percent", Num: id, ID: id, Backward: backward}
	}
	tests := []struct {
		name       string
		rows       []Job
		after      *JobCursor
		wantIDs    []int64
		next, prev *JobCursor
	}{
		{"empty", nil, nil, nil, nil, nil},
		{"only page", jobsNumbered(1, 2), nil, []int64{1, 2}, nil, nil},
		{"first of several", jobsNumbered(1, 2, 3, 4), nil, []int64{1, 2, 3}, at(3, false), nil},
		{"middle", jobsNumbered(4, 5, 6, 7), at(3, false), []int64{4, 5, 6}, at(6, false), at(4, true)},
		{"last", jobsNumbered(7), at(6, false), []int64{7}, nil, at(7, true)},
		{"backward to the middle", jobsNumbered(6, 5, 4, 3), at(7, true), []int64{4, 5, 6}, at(6, false), at(4, true)},
		{"backward to the first", jobsNumbered(3, 2, 1), at(4, true), []int64{1, 2, 3}, at(3, false), nil},
		{"backward past the first", nil, at(1, true), nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := JobPageFrom(tt.rows, JobQuery{Sort: s, Limit: 3, After: tt.after})
			var ids []int64
			for _, j := range p.Jobs {
				ids = append(ids, j.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("jobs %v, want %v", ids, tt.wantIDs)
			}
			if d := cmp.Diff(tt.next, p.Next); d != "" {
				t.Errorf("next cursor (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.prev, p.Prev); d != "" {
				t.Errorf("previous cursor (-want +got):\n%s", d)
			}
		})
	}
}

func TestJobToCreate(t *testing.T) {
	now := time.Date(2026, 11, 25, 23, 0, 0, 123456789, time.FixedZone("CET", 3600))
	got := JobToCreate(Job{ID: 9, Name: "n", ScheduledStart: now.Add(time.Hour), ActualStart: time.Unix(0, 0)}, now)
	want := Job{Name: "n", State: JobScheduled, OnMissed: "run", ScheduledStart: now.Add(time.Hour).UTC().Truncate(time.Microsecond),
		CreatedAt: now.UTC().Truncate(time.Microsecond), UpdatedAt: now.UTC().Truncate(time.Microsecond)}
	if d := cmp.Diff(want, got, sameTime); d != "" {
		t.Errorf("JobToCreate (-want +got):\n%s", d)
	}
	given := Job{State: JobInProgress, OnMissed: "skip", CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Minute)}
	got = JobToCreate(given, now)
	if got.State != JobInProgress || got.OnMissed != "skip" || !got.CreatedAt.Equal(now.Add(-time.Hour).Truncate(time.Microsecond)) ||
		!got.UpdatedAt.Equal(now.Add(-time.Minute).Truncate(time.Microsecond)) {
		t.Errorf("JobToCreate replaced given values: %+v", got)
	}
}

func TestJobToUpdate(t *testing.T) {
	now := time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)
	before := Job{ID: 5, ParentID: 2, CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour)}
	change := map[string]func(*Job){
		"id":         func(j *Job) { j.ID = 6 },
		"parent":     func(j *Job) { j.ParentID = 0 },
		"created at": func(j *Job) { j.CreatedAt = time.Time{} },
	}
	for name, fn := range change {
		after := before
		fn(&after)
		if _, err := JobToUpdate(before, after, now); err == nil {
			t.Errorf("a change of the %s was accepted", name)
		}
	}
	after := before
	after.CreatedAt = after.CreatedAt.In(time.FixedZone("X", 7200))
	after.Percent = 30
	got, err := JobToUpdate(before, after, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt.Location() != time.UTC || !got.UpdatedAt.Equal(now) || got.Percent != 30 {
		t.Errorf("JobToUpdate gave %+v", got)
	}
}

func TestMissingIDs(t *testing.T) {
	found := map[int64]bool{1: true, 3: true}
	if got := MissingIDs([]int64{4, 1, 2, 4, 3, 2, 5}, found); !slices.Equal(got, []int64{4, 2, 5}) {
		t.Errorf("MissingIDs = %v, want [4 2 5]", got)
	}
	if got := MissingIDs(nil, found); got == nil || len(got) != 0 {
		t.Errorf("MissingIDs(nil) = %#v, want an empty list", got)
	}
}
