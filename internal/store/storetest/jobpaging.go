package storetest

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// jobCorpus creates n varied jobs below domain: few distinct names, equal
// times and "not yet" zeros, so that every sort meets ties. The first two
// are recurring jobs whose occurrences some of the others are.
func jobCorpus(t *testing.T, st store.Store, domain string, n int, seed uint64) []store.Job {
	rng := rand.New(rand.NewPCG(seed, 7))
	pick := func(vs ...string) string { return vs[rng.IntN(len(vs))] }
	at := func(offsets ...time.Duration) time.Time { return jobsBase.Add(offsets[rng.IntN(len(offsets))]) }
	var out []store.Job
	for i := range n {
		j := store.Job{
			Name:    pick("Backup", "Backup Daily", "Discover Network Elements", "Zed", "älva", "backup"),
			JobType: pick("Discover Network Elements", "Discover Devices", "Deploy Template", "Audit Log Archive"),
			State:   pick(store.JobScheduled, store.JobInProgress, store.JobSuccess, store.JobFailure, store.JobCanceled),
			Percent: []int{0, 0, 37, 50, 100, 100}[rng.IntN(6)],
			Summary: pick("", "ok", "failed on 3 devices", "ok"),
			Owner:   pick("super", "jdoe", "Zed", "älva"),
			Domain:  pick(domain, domain+"/EMEA", domain+"/EMEA/Lab", domain+"/APAC"),
		}
		if i%11 != 5 {
			j.ScheduledStart = at(-time.Hour, 0, 0, time.Hour, time.Hour+1500, 24*time.Hour)
		}
		if j.State != store.JobScheduled {
			j.ActualStart = at(time.Minute, time.Minute, 2*time.Hour, -30*time.Minute)
		}
		if j.State != store.JobScheduled && j.State != store.JobInProgress {
			j.EndTime = at(3*time.Hour, 3*time.Hour, 5*time.Hour+77)
		}
		if i >= 2 && rng.IntN(3) == 0 {
			j.ParentID = out[rng.IntN(2)].ID
		}
		out = append(out, mustCreateJob(t, st, j))
	}
	return out
}

// jobKey is the value of j a sort orders by; "not yet" times are 0, before
// every later time and after every earlier one, as the engines store them.
func jobKey(f store.JobSortField, j *store.Job) (string, int64) {
	micro := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixMicro()
	}
	switch f {
	case store.JobSortName:
		return j.Name, 0
	case store.JobSortState:
		return j.State, 0
	case store.JobSortJobType:
		return j.JobType, 0
	case store.JobSortSummary:
		return j.Summary, 0
	case store.JobSortOwner:
		return j.Owner, 0
	case store.JobSortPercent:
		return "", int64(j.Percent)
	case store.JobSortScheduledStart:
		return "", micro(j.ScheduledStart)
	case store.JobSortActualStart:
		return "", micro(j.ActualStart)
	case store.JobSortEndTime:
		return "", micro(j.EndTime)
	}
	return "", 0
}

// expectedJobs sorts js the way the store must: by the field (text byte by
// byte), then id, both in one direction.
func expectedJobs(js []store.Job, s store.JobSort) []int64 {
	out := slices.Clone(js)
	slices.SortFunc(out, func(a, b store.Job) int {
		at, an := jobKey(s.Field, &a)
		bt, bn := jobKey(s.Field, &b)
		c := cmp.Or(strings.Compare(at, bt), cmp.Compare(an, bn), cmp.Compare(a.ID, b.ID))
		if s.Desc {
			return -c
		}
		return c
	})
	return jobIDs(out)
}

func testJobFilters(t *testing.T, st store.Store) {
	ctx := context.Background()
	const root = "Global/Filters"
	js := jobCorpus(t, st, root, 120, 1)
	// A sibling whose name shares the prefix stays out of the scope.
	mustCreateJob(t, st, store.Job{Name: "Backup", JobType: "Deploy Template", State: store.JobSuccess, ScheduledStart: jobsBase,
		Owner: "super", Domain: root + "X"})
	parent := js[1].ID
	// in is a time range filter: a job not yet started has no time in it.
	in := func(v, from, to time.Time) bool {
		return !v.IsZero() && (from.IsZero() || !v.Before(from)) && (to.IsZero() || v.Before(to))
	}
	scope := store.Scope{Domains: []string{root}}
	m := func(v string) store.Match { return store.Match{Value: v} }
	p := func(v string) store.Match { return store.Match{Value: v, Prefix: true} }
	// Bounds in whole microseconds, as the stored times are: a bound
	// between two microseconds has no one meaning.
	schedFrom, schedTo := stored(jobsBase), stored(jobsBase.Add(time.Hour+1500))
	actFrom, actTo := stored(jobsBase.Add(time.Minute)), stored(jobsBase.Add(2*time.Hour))
	cases := []struct {
		name   string
		f      store.JobFilter
		scope  store.Scope
		wantFn func(j store.Job) bool
	}{
		{"none", store.JobFilter{}, scope, func(store.Job) bool { return true }},
		{"state", store.JobFilter{State: []string{store.JobFailure}}, scope, func(j store.Job) bool { return j.State == store.JobFailure }},
		{"states", store.JobFilter{State: []string{store.JobFailure, store.JobCanceled}}, scope,
			func(j store.Job) bool { return j.State == store.JobFailure || j.State == store.JobCanceled }},
		{"job type exact", store.JobFilter{JobType: []store.Match{m("Discover Devices")}}, scope,
			func(j store.Job) bool { return j.JobType == "Discover Devices" }},
		{"job type prefix", store.JobFilter{JobType: []store.Match{p("Discover")}}, scope,
			func(j store.Job) bool { return strings.HasPrefix(j.JobType, "Discover") }},
		{"job type or", store.JobFilter{JobType: []store.Match{m("Deploy Template"), p("Audit")}}, scope,
			func(j store.Job) bool { return j.JobType == "Deploy Template" || strings.HasPrefix(j.JobType, "Audit") }},
		{"job type exact is not a prefix", store.JobFilter{JobType: []store.Match{m("Discover")}}, scope, func(store.Job) bool { return false }},
		{"owners", store.JobFilter{Owner: []string{"Zed", "älva"}}, scope, func(j store.Job) bool { return j.Owner == "Zed" || j.Owner == "älva" }},
		{"name prefix", store.JobFilter{NamePrefix: "Backup"}, scope, func(j store.Job) bool { return strings.HasPrefix(j.Name, "Backup") }},
		{"name prefix whole name", store.JobFilter{NamePrefix: "Backup Daily"}, scope, func(j store.Job) bool { return j.Name == "Backup Daily" }},
		{"name prefix non-ascii", store.JobFilter{NamePrefix: "ä"}, scope, func(j store.Job) bool { return strings.HasPrefix(j.Name, "ä") }},
		{"scheduled range", store.JobFilter{ScheduledFrom: schedFrom, ScheduledTo: schedTo}, scope,
			func(j store.Job) bool { return in(j.ScheduledStart, schedFrom, schedTo) }},
		{"scheduled from", store.JobFilter{ScheduledFrom: schedTo}, scope, func(j store.Job) bool { return in(j.ScheduledStart, schedTo, time.Time{}) }},
		{"actual range", store.JobFilter{ActualFrom: actFrom, ActualTo: actTo}, scope, func(j store.Job) bool { return in(j.ActualStart, actFrom, actTo) }},
		{"actual to excludes not started", store.JobFilter{ActualTo: actTo}, scope, func(j store.Job) bool { return in(j.ActualStart, time.Time{}, actTo) }},
		{"parent", store.JobFilter{ParentID: parent}, scope, func(j store.Job) bool { return j.ParentID == parent }},
		{"top level", store.JobFilter{TopLevel: true}, scope, func(j store.Job) bool { return j.ParentID == 0 }},
		{"parent and state", store.JobFilter{ParentID: parent, State: []string{store.JobSuccess}}, scope,
			func(j store.Job) bool { return j.ParentID == parent && j.State == store.JobSuccess }},
		{"all fields", store.JobFilter{State: []string{store.JobSuccess, store.JobFailure}, JobType: []store.Match{p("D")},
			Owner: []string{"super", "jdoe"}, NamePrefix: "B", ScheduledFrom: stored(jobsBase.Add(-time.Hour)), TopLevel: true}, scope,
			func(j store.Job) bool {
				return (j.State == store.JobSuccess || j.State == store.JobFailure) && strings.HasPrefix(j.JobType, "D") &&
					(j.Owner == "super" || j.Owner == "jdoe") && strings.HasPrefix(j.Name, "B") &&
					in(j.ScheduledStart, stored(jobsBase.Add(-time.Hour)), time.Time{}) && j.ParentID == 0
			}},
		{"scope subtree", store.JobFilter{}, store.Scope{Domains: []string{root + "/EMEA"}},
			func(j store.Job) bool { return strings.HasPrefix(j.Domain, root+"/EMEA") }},
		{"scope with an exact parent", store.JobFilter{}, store.Scope{Domains: []string{root + "/APAC"}, Exact: []string{root}},
			func(j store.Job) bool { return j.Domain == root || j.Domain == root+"/APAC" }},
		{"scope and filter", store.JobFilter{Owner: []string{"super"}}, store.Scope{Domains: []string{root + "/EMEA/Lab", root + "/APAC"}},
			func(j store.Job) bool {
				return j.Owner == "super" && (j.Domain == root+"/EMEA/Lab" || j.Domain == root+"/APAC")
			}},
		{"zero scope", store.JobFilter{}, store.Scope{}, func(store.Job) bool { return false }},
		{"no match", store.JobFilter{Owner: []string{"nobody"}}, scope, func(store.Job) bool { return false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want []store.Job
			for _, j := range js {
				if tc.wantFn(j) {
					want = append(want, j)
				}
			}
			if len(want) == len(js) && tc.name != "none" && tc.name != "scope with an exact parent" {
				t.Fatalf("the corpus does not exercise this filter: all %d jobs match", len(js))
			}
			page, err := st.ListJobs(ctx, tc.scope, store.JobQuery{Filter: tc.f, Sort: store.DefaultJobSort, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if got, w := jobIDs(page.Jobs), expectedJobs(want, store.DefaultJobSort); !slices.Equal(got, w) {
				t.Fatalf("got %v\nwant %v", got, w)
			}
			if page.Next != nil || page.Prev != nil {
				t.Errorf("a single page has cursors: next %+v, prev %+v", page.Next, page.Prev)
			}
		})
	}
}

func testJobPaging(t *testing.T, st store.Store) {
	ctx := context.Background()
	const root = "Global/Paging"
	js := jobCorpus(t, st, root, 60, 2)
	// Out of scope, and with values that would sort among the others.
	for _, d := range []string{root + "X", "Global"} {
		mustCreateJob(t, st, store.Job{Name: "Backup", JobType: "Deploy Template", State: store.JobSuccess, Percent: 50,
			ScheduledStart: jobsBase, ActualStart: jobsBase.Add(time.Minute), EndTime: jobsBase.Add(3 * time.Hour),
			Summary: "ok", Owner: "super", Domain: d})
	}
	scope := store.Scope{Domains: []string{root}}
	filters := map[string]store.JobFilter{
		"none":  {},
		"state": {State: []string{store.JobSuccess, store.JobFailure, store.JobScheduled}},
	}
	for fname, f := range filters {
		var want []store.Job
		for _, j := range js {
			if len(f.State) == 0 || slices.Contains(f.State, j.State) {
				want = append(want, j)
			}
		}
		for _, field := range store.JobSortFields {
			for _, desc := range []bool{false, true} {
				s := store.JobSort{Field: field, Desc: desc}
				t.Run(fname+"/"+s.String(), func(t *testing.T) {
					walkJobPages(t, st, scope, store.JobQuery{Filter: f, Sort: s, Limit: 7}, expectedJobs(want, s))
				})
			}
		}
	}

	t.Run("CursorOfAnotherSort", func(t *testing.T) {
		byName := store.JobSort{Field: store.JobSortName}
		c := store.JobCursorAt(store.JobSort{Field: store.JobSortOwner}, &js[0], false)
		_, err := st.ListJobs(ctx, scope, store.JobQuery{Sort: byName, Limit: 7, After: c})
		if !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("ListJobs with a cursor of another sort = %v, want ErrInvalidCursor", err)
		}
	})
}

// walkJobPages pages through a listing forward, then back from the last
// page, and checks that forward gives every job in order once, that
// backward reproduces every page exactly, and that a page reached backward
// continues forward to the page it was reached from.
func walkJobPages(t *testing.T, st store.Store, scope store.Scope, q store.JobQuery, want []int64) {
	t.Helper()
	ctx := context.Background()
	var got []int64
	var pages []store.JobPage
	for {
		p, err := st.ListJobs(ctx, scope, q)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
		got = append(got, jobIDs(p.Jobs)...)
		if p.Next == nil {
			break
		}
		if len(p.Jobs) != q.Limit {
			t.Fatalf("page %d has %d jobs and a next cursor", len(pages)-1, len(p.Jobs))
		}
		if len(pages) > 100 {
			t.Fatal("paging does not end")
		}
		c, err := store.DecodeJobCursor(p.Next.Encode(), q.Sort)
		if err != nil {
			t.Fatal(err)
		}
		q.After = c
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward paging gave\n%v\nwant\n%v", got, want)
	}
	if len(pages) < 3 {
		t.Fatalf("only %d pages: the test needs more jobs", len(pages))
	}
	if pages[0].Prev != nil {
		t.Error("the first page has a previous cursor")
	}
	for i := len(pages) - 1; i > 0; i-- {
		if pages[i].Prev == nil {
			t.Fatalf("page %d has no previous cursor", i)
		}
		c, err := store.DecodeJobCursor(pages[i].Prev.Encode(), q.Sort)
		if err != nil {
			t.Fatal(err)
		}
		q.After = c
		p, err := st.ListJobs(ctx, scope, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(jobIDs(p.Jobs), jobIDs(pages[i-1].Jobs)) {
			t.Fatalf("backward to page %d gave %v, want %v", i-1, jobIDs(p.Jobs), jobIDs(pages[i-1].Jobs))
		}
		if (p.Prev == nil) != (i-1 == 0) {
			t.Fatalf("page %d reached backward: previous cursor present = %v", i-1, p.Prev != nil)
		}
		if p.Next == nil {
			t.Fatalf("page %d reached backward has no next cursor", i-1)
		}
		q.After = p.Next
		again, err := st.ListJobs(ctx, scope, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(jobIDs(again.Jobs), jobIDs(pages[i].Jobs)) {
			t.Fatalf("forward from page %d reached backward gave %v, want page %d %v", i-1, jobIDs(again.Jobs), i, jobIDs(pages[i].Jobs))
		}
	}
}
