package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// jobsBase has nanoseconds and a zone other than UTC, so that every job
// time written from it checks that the store gives back UTC truncated to
// microseconds.
var jobsBase = time.Date(2026, 11, 25, 22, 31, 34, 123456789, time.FixedZone("CET", 3600))

// testJobs checks job storage. The subtests share one store; each keeps to
// a domain subtree of its own (and only DueJobs creates jobs with a
// handler), so that each may also run alone.
func testJobs(t *testing.T, st store.Store) {
	t.Run("CreateGet", func(t *testing.T) { testJobCreateGet(t, st) })
	t.Run("Scope", func(t *testing.T) { testJobScope(t, st) })
	t.Run("Update", func(t *testing.T) { testJobUpdate(t, st) })
	t.Run("ConcurrentUpdates", func(t *testing.T) { testJobConcurrentUpdates(t, st) })
	t.Run("Filters", func(t *testing.T) { testJobFilters(t, st) })
	t.Run("KeysetPagingEverySort", func(t *testing.T) { testJobPaging(t, st) })
	t.Run("DueJobs", func(t *testing.T) { testDueJobs(t, st) })
	t.Run("MissingJobs", func(t *testing.T) { testMissingJobs(t, st) })
}

func mustCreateJob(t *testing.T, st store.Store, j store.Job) store.Job {
	t.Helper()
	got, err := st.CreateJob(context.Background(), j)
	if err != nil {
		t.Fatalf("CreateJob(%q): %v", j.Name, err)
	}
	if got.ID <= 0 {
		t.Fatalf("CreateJob(%q) returned id %d", j.Name, got.ID)
	}
	return got
}

func mustGetJob(t *testing.T, st store.Store, id int64) store.Job {
	t.Helper()
	j, err := st.GetJob(context.Background(), store.AllDomains, id)
	if err != nil {
		t.Fatalf("GetJob(%d): %v", id, err)
	}
	return j
}

// storedJob returns j as a store gives it back with the id id.
func storedJob(j store.Job, id int64) store.Job {
	j.ID = id
	j.ScheduledStart, j.ActualStart, j.EndTime = stored(j.ScheduledStart), stored(j.ActualStart), stored(j.EndTime)
	j.CreatedAt, j.UpdatedAt = stored(j.CreatedAt), stored(j.UpdatedAt)
	return j
}

func jobIDs(js []store.Job) []int64 {
	out := make([]int64, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func testJobCreateGet(t *testing.T, st store.Store) {
	ctx := context.Background()
	full := store.Job{Name: "Discover 10.0.0.0/24", JobType: "Discover Network Elements", State: store.JobSuccess,
		Percent: 100, Summary: "12 devices discovered", ScheduledStart: jobsBase, ActualStart: jobsBase.Add(time.Second + 1),
		EndTime: jobsBase.Add(time.Minute + 999), Recurrence: "DTSTART:20261125T213134Z\nRRULE:FREQ=DAILY",
		RetryOf: 7, Owner: "super", Domain: "Global/Create", Handler: "", OnMissed: "skip", Note: "done",
		CreatedAt: jobsBase.Add(-time.Hour), UpdatedAt: jobsBase.Add(-time.Minute)}
	got := mustCreateJob(t, st, full)
	want := storedJob(full, got.ID)
	if d := diff(got, want); d != "" {
		t.Errorf("CreateJob returned another job than it was given:%s", d)
	}
	if d := diff(mustGetJob(t, st, got.ID), want); d != "" {
		t.Errorf("GetJob differs from what was created:%s", d)
	}

	before := time.Now().Add(-time.Second)
	bare := store.Job{Name: "Backup", JobType: "Database Backup", ScheduledStart: jobsBase, Owner: "jdoe", Domain: "Global/Create"}
	got = mustCreateJob(t, st, bare)
	if got.ID == want.ID {
		t.Fatalf("two jobs got the id %d", got.ID)
	}
	if got.State != store.JobScheduled || got.OnMissed != "run" {
		t.Errorf("defaults: state %q, on_missed %q; want SCHEDULED and run", got.State, got.OnMissed)
	}
	if got.CreatedAt.Before(before) || got.CreatedAt.After(time.Now().Add(time.Second)) || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Errorf("times of a new job: created %v, updated %v; want now, twice", got.CreatedAt, got.UpdatedAt)
	}
	if !got.ActualStart.IsZero() || !got.EndTime.IsZero() {
		t.Errorf("a job not yet started has actual start %v and end %v", got.ActualStart, got.EndTime)
	}
	if d := diff(mustGetJob(t, st, got.ID), got); d != "" {
		t.Errorf("GetJob differs from what CreateJob returned:%s", d)
	}
	if _, err := st.GetJob(ctx, store.AllDomains, 1<<40); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetJob of a missing job = %v, want ErrNotFound", err)
	}
}

func testJobScope(t *testing.T, st store.Store) {
	ctx := context.Background()
	byDomain := map[string]int64{}
	domains := []string{"Global", "Global/EMEA", "Global/EMEA/Lab", "Global/EMEAX", "Global/APAC"}
	for _, d := range domains {
		j := mustCreateJob(t, st, store.Job{Name: "Scoped " + d, JobType: "Scope", ScheduledStart: jobsBase, Owner: "super", Domain: d})
		byDomain[d] = j.ID
	}
	emea := store.Scope{Domains: []string{"Global/EMEA"}}
	sees := map[string]bool{"Global/EMEA": true, "Global/EMEA/Lab": true}
	for _, d := range domains {
		_, err := st.GetJob(ctx, emea, byDomain[d])
		if sees[d] && err != nil {
			t.Errorf("GetJob of the %s job in scope Global/EMEA: %v", d, err)
		}
		if !sees[d] && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetJob of the %s job in scope Global/EMEA = %v, want ErrNotFound", d, err)
		}
		if _, err := st.GetJob(ctx, store.Scope{}, byDomain[d]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetJob of the %s job in the zero scope = %v, want ErrNotFound", d, err)
		}
	}
	q := store.JobQuery{Sort: store.JobSort{Field: store.JobSortID}, Limit: 100, Filter: store.JobFilter{JobType: []store.Match{{Value: "Scope"}}}}
	page, err := st.ListJobs(ctx, emea, q)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jobIDs(page.Jobs), []int64{byDomain["Global/EMEA"], byDomain["Global/EMEA/Lab"]}; !slices.Equal(got, want) {
		t.Errorf("ListJobs in scope Global/EMEA = %v, want %v", got, want)
	}
	page, err = st.ListJobs(ctx, store.Scope{Domains: []string{"Global/APAC"}, Exact: []string{"Global/EMEA"}}, q)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jobIDs(page.Jobs), []int64{byDomain["Global/EMEA"], byDomain["Global/APAC"]}; !slices.Equal(got, want) {
		t.Errorf("ListJobs in scope Global/APAC and exactly Global/EMEA = %v, want %v", got, want)
	}
	page, err = st.ListJobs(ctx, store.Scope{}, q)
	if err != nil || len(page.Jobs) != 0 {
		t.Errorf("ListJobs in the zero scope = %v, %v; want nothing", jobIDs(page.Jobs), err)
	}
}

var errJobTest = errors.New("fn refused")

func testJobUpdate(t *testing.T, st store.Store) {
	ctx := context.Background()
	parent := mustCreateJob(t, st, store.Job{Name: "Nightly", JobType: "Backup", ScheduledStart: jobsBase, Owner: "super",
		Domain: "Global/Update", Recurrence: "RRULE:FREQ=DAILY"})
	orig := mustCreateJob(t, st, store.Job{Name: "Nightly", JobType: "Backup", ScheduledStart: jobsBase, Owner: "super",
		Domain: "Global/Update", ParentID: parent.ID, CreatedAt: jobsBase.Add(-time.Hour)})

	before := time.Now().Add(-time.Second)
	started := jobsBase.Add(time.Minute + 789)
	got, err := st.UpdateJob(ctx, orig.ID, func(j *store.Job) error {
		if d := diff(*j, orig); d != "" {
			t.Errorf("fn was given another job than the stored one:%s", d)
		}
		j.State, j.Percent, j.Summary, j.ActualStart, j.Note = store.JobInProgress, 40, "copying", started, "n"
		j.Domain, j.Owner, j.RetryOf, j.Handler, j.OnMissed = "Global/Update/Lab", "jdoe", 3, "", "skip"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := orig
	want.State, want.Percent, want.Summary, want.ActualStart, want.Note = store.JobInProgress, 40, "copying", stored(started), "n"
	want.Domain, want.Owner, want.RetryOf, want.OnMissed = "Global/Update/Lab", "jdoe", 3, "skip"
	want.UpdatedAt = got.UpdatedAt
	if d := diff(got, want); d != "" {
		t.Errorf("UpdateJob returned:%s", d)
	}
	if got.UpdatedAt.Before(before) || got.UpdatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("UpdatedAt = %v, want now", got.UpdatedAt)
	}
	if d := diff(mustGetJob(t, st, orig.ID), want); d != "" {
		t.Errorf("GetJob after UpdateJob:%s", d)
	}

	_, err = st.UpdateJob(ctx, orig.ID, func(j *store.Job) error {
		j.Percent, j.State = 99, store.JobFailure
		return fmt.Errorf("wrapped: %w", errJobTest)
	})
	if !errors.Is(err, errJobTest) {
		t.Errorf("UpdateJob with a failing fn = %v, want its error", err)
	}
	if d := diff(mustGetJob(t, st, orig.ID), want); d != "" {
		t.Errorf("a failing fn changed the job:%s", d)
	}

	refused := map[string]func(*store.Job){
		"id":         func(j *store.Job) { j.ID++ },
		"parent":     func(j *store.Job) { j.ParentID = 0 },
		"created at": func(j *store.Job) { j.CreatedAt = j.CreatedAt.Add(time.Second) },
	}
	for name, change := range refused {
		_, err := st.UpdateJob(ctx, orig.ID, func(j *store.Job) error {
			j.Percent = 77
			change(j)
			return nil
		})
		if err == nil {
			t.Errorf("UpdateJob allowed a change of the %s", name)
		}
		if d := diff(mustGetJob(t, st, orig.ID), want); d != "" {
			t.Errorf("a refused change of the %s changed the job:%s", name, d)
		}
	}

	// Times go back to "not yet"; the creation time may be given back in
	// another zone.
	got, err = st.UpdateJob(ctx, orig.ID, func(j *store.Job) error {
		j.ActualStart, j.EndTime = time.Time{}, time.Time{}
		j.CreatedAt = j.CreatedAt.In(time.FixedZone("X", -7200))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want.ActualStart, want.UpdatedAt = time.Time{}, got.UpdatedAt
	if d := diff(mustGetJob(t, st, orig.ID), want); d != "" {
		t.Errorf("GetJob after clearing the start:%s", d)
	}

	called := false
	_, err = st.UpdateJob(ctx, 1<<40, func(*store.Job) error { called = true; return nil })
	if !errors.Is(err, store.ErrNotFound) || called {
		t.Errorf("UpdateJob of a missing job = %v (fn called: %v), want ErrNotFound", err, called)
	}
}

func testJobConcurrentUpdates(t *testing.T, st store.Store) {
	ctx := context.Background()
	j := mustCreateJob(t, st, store.Job{Name: "Busy", JobType: "Deploy Template", ScheduledStart: jobsBase, Owner: "super", Domain: "Global/Concurrent"})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 10 {
		wg.Go(func() {
			for range 5 {
				if _, err := st.UpdateJob(ctx, j.ID, func(j *store.Job) error {
					j.Percent++
					return nil
				}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("UpdateJob: %v", err)
	}
	if got := mustGetJob(t, st, j.ID); got.Percent != 50 {
		t.Fatalf("Percent = %d after 50 concurrent increments, want 50", got.Percent)
	}
}

func testDueJobs(t *testing.T, st store.Store) {
	ctx := context.Background()
	now := jobsBase.Add(48 * time.Hour)
	mk := func(name, handler, state string, at time.Time) int64 {
		return mustCreateJob(t, st, store.Job{Name: name, JobType: "Logbook", State: state, ScheduledStart: at,
			Owner: "logbook", Domain: "Global/Due", Handler: handler}).ID
	}
	a := mk("a", "retention", store.JobScheduled, now.Add(-2*time.Hour))
	b := mk("b", "retention", store.JobScheduled, now.Add(-time.Hour))
	c := mk("c", "export", store.JobScheduled, now.Add(-time.Hour))
	d := mk("d", "retention", store.JobScheduled, now) // at now, to the microsecond
	mk("later", "retention", store.JobScheduled, now.Add(time.Microsecond))
	mk("running", "retention", store.JobInProgress, now.Add(-3*time.Hour))
	mk("done", "retention", store.JobSuccess, now.Add(-3*time.Hour))
	mk("application's", "", store.JobScheduled, now.Add(-3*time.Hour))
	// As early as a but created later: among equal times the id orders.
	e := mk("e", "verify", store.JobScheduled, now.Add(-2*time.Hour))
	for limit, want := range map[int][]int64{10: {a, e, b, c, d}, 2: {a, e}, 0: {}} {
		jobs, err := st.DueJobs(ctx, now, limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := jobIDs(jobs); !slices.Equal(got, want) {
			t.Errorf("DueJobs(limit %d) = %v, want %v", limit, got, want)
		}
	}
	jobs, err := st.DueJobs(ctx, now, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("DueJobs = %v, %v", jobs, err)
	}
	if d := diff(jobs[0], mustGetJob(t, st, a)); d != "" {
		t.Errorf("DueJobs reads another job than GetJob:%s", d)
	}
}

func testMissingJobs(t *testing.T, st store.Store) {
	ctx := context.Background()
	var have []int64
	for i := range 3 {
		have = append(have, mustCreateJob(t, st, store.Job{Name: fmt.Sprint("m", i), JobType: "Import", ScheduledStart: jobsBase,
			Owner: "super", Domain: "Global/Missing"}).ID)
	}
	const big = int64(1) << 40
	got, err := st.MissingJobs(ctx, []int64{big + 2, have[0], big, big + 2, have[1], -5, have[2], big})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{big + 2, big, -5}; !slices.Equal(got, want) {
		t.Errorf("MissingJobs = %v, want %v", got, want)
	}
	for _, ids := range [][]int64{nil, {}, have} {
		got, err := st.MissingJobs(ctx, ids)
		if err != nil || len(got) != 0 {
			t.Errorf("MissingJobs(%v) = %v, %v; want none", ids, got, err)
		}
	}
	// More ids than one query of some engines takes.
	var many, want []int64
	for i := range 1200 {
		many = append(many, big+int64(i%1100))
		if i < 1100 {
			want = append(want, big+int64(i))
		}
		if i%400 == 0 {
			many = append(many, have...)
		}
	}
	got, err = st.MissingJobs(ctx, many)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("MissingJobs of %d ids gave %d missing, want %d", len(many), len(got), len(want))
	}
}
