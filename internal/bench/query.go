package bench

// The query phase: the grid's listings and searches over a large store,
// timed through the store as the API runs them, and the statistics.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/api"
	"github.com/logbookhq/logbook/internal/demo"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/engine"
)

// queryPhase fills a store with o.QueryEntries entries and times the
// listing the API runs (page and capped count) for every shape.
func queryPhase(ctx context.Context, fresh freshFunc, o Options) error {
	st, cleanup, err := queryStore(ctx, fresh, o)
	if err != nil {
		return err
	}
	defer cleanup()
	end, err := loadQueryData(ctx, st, o)
	if err != nil {
		return err
	}
	shapes, err := queryShapes(end)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%-52s %10s %10s %10s %12s %10s\n", "page of 50; with count (+ estimate past 10,000)", "page p50", "with p50", "with p99", "page 1000", "count")
	for _, sh := range shapes {
		if err := timeShape(ctx, st, sh, o); err != nil {
			return err
		}
	}
	return statsPhase(ctx, st, end, o)
}

// loadQueryData appends entries over 90 days up to o.QueryEntries and
// returns the end of their time span: now, or for a reused database just
// after its newest entry, so that "last 24 hours" means the same rows on
// every run.
func loadQueryData(ctx context.Context, st store.Store, o Options) (time.Time, error) {
	loaded, _, err := st.Head(ctx)
	if err != nil {
		return time.Time{}, err
	}
	gen := demo.NewGenerator(2)
	end := time.Now()
	if loaded > 0 {
		p, err := st.List(ctx, store.AllDomains, store.Query{Sort: store.DefaultSort, Limit: 1})
		if err != nil {
			return time.Time{}, err
		}
		if len(p.Entries) > 0 {
			end = p.Entries[0].Timestamp.Add(time.Minute)
		}
	}
	span := 90 * 24 * time.Hour
	const chunk = 10000
	start := time.Now()
	for done := int(loaded); done < o.QueryEntries; done += chunk {
		n := min(chunk, o.QueryEntries-done)
		from := end.Add(-span + time.Duration(float64(span)*float64(done)/float64(o.QueryEntries)))
		to := end.Add(-span + time.Duration(float64(span)*float64(done+n)/float64(o.QueryEntries)))
		es := gen.History(n, to, to.Sub(from))
		for i := range es {
			es[i].Source = "bench"
		}
		if _, err := st.Append(ctx, es); err != nil {
			return time.Time{}, err
		}
	}
	if int(loaded) < o.QueryEntries {
		fmt.Fprintf(o.Out, "\nquery phase: %d entries loaded through the store in %s\n", o.QueryEntries-int(loaded), time.Since(start).Round(time.Second))
	} else {
		fmt.Fprintf(o.Out, "\nquery phase: reusing %d entries in %s\n", loaded, o.QueryData)
	}
	// A running server refreshes planner statistics in the background;
	// after a bulk load the bench does it at once.
	if opt, ok := st.(interface{ Optimize(context.Context) error }); ok {
		if err := opt.Optimize(ctx); err != nil {
			return time.Time{}, err
		}
	}
	return end, nil
}

// queryShape is one listing the query phase times.
type queryShape struct {
	name  string
	q     store.Query
	scope store.Scope
}

// queryShapes are the grid's filter and scope shapes and the Searches,
// with end as the searches' now.
func queryShapes(end time.Time) ([]queryShape, error) {
	m := func(v string) []store.Match { return []store.Match{{Value: v}} }
	emea := store.Scope{Domains: []string{"Global/EMEA"}}
	shapes := []queryShape{
		{"newest first, no filter", store.Query{Sort: store.DefaultSort}, store.AllDomains},
		{"user_name=super, newest first", store.Query{Filter: store.Filter{UserName: m("super")}, Sort: store.DefaultSort}, store.AllDomains},
		{"task+result=Failure, newest first", store.Query{Filter: store.Filter{Task: m("Deploy Device Image"), Result: m("Failure")}, Sort: store.DefaultSort}, store.AllDomains},
		{"sorted by user_name", store.Query{Sort: store.Sort{Field: store.SortUserName}}, store.AllDomains},
		{"domain Global/EMEA*, last 7 days", store.Query{Filter: store.Filter{Domain: []store.Match{{Value: "Global/EMEA", Prefix: true}}, From: end.Add(-7 * 24 * time.Hour)}, Sort: store.DefaultSort}, store.AllDomains},
		{"auditor of Global/EMEA, newest first", store.Query{Sort: store.DefaultSort}, emea},
	}
	for _, text := range Searches {
		sq, err := search.Parse(text, end, time.UTC)
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", text, err)
		}
		shapes = append(shapes, queryShape{"q=" + text, store.Query{Filter: store.Filter{Search: &sq}, Sort: store.DefaultSort}, store.AllDomains})
	}
	return shapes, nil
}

// timeShape times a shape's first page alone and with its capped count
// (and the estimate past the cap, as the grid shows it), o.QueryRuns
// times, and page 1000 once when the shape is quick, and prints a row.
func timeShape(ctx context.Context, st store.Store, sh queryShape, o Options) error {
	q := sh.q
	q.Limit = 50
	var times, pages []time.Duration
	var count int
	var err error
	for range o.QueryRuns {
		t0 := time.Now()
		if _, err := st.List(ctx, sh.scope, q); err != nil {
			return fmt.Errorf("%s: %w", sh.name, err)
		}
		pages = append(pages, time.Since(t0))
		if count, err = st.Count(ctx, sh.scope, q.Filter, api.CountCap); err != nil {
			return fmt.Errorf("%s: %w", sh.name, err)
		}
		if count > api.CountCap { // the grid says about how many
			if _, err := st.Estimate(ctx, sh.scope, q.Filter, api.CountCap); err != nil {
				return fmt.Errorf("%s: %w", sh.name, err)
			}
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	slices.Sort(pages)
	deep := "-" // walking 1,000 pages of a slow shape would take the run's hour
	if times[len(times)/2] < 50*time.Millisecond {
		if deep, err = deepPage(ctx, st, sh.scope, q, 1000); err != nil {
			return err
		}
	}
	counted := strconv.Itoa(count)
	if count > api.CountCap {
		counted = strconv.Itoa(api.CountCap) + "+"
	}
	fmt.Fprintf(o.Out, "%-52s %10s %10s %10s %12s %10s\n", trim(sh.name, 52), ms(pages[len(pages)/2]), ms(times[len(times)/2]), ms(times[len(times)*99/100]), deep, counted)
	return nil
}

// Searches are the realistic searches the query phase times: field terms,
// free words, CIDR, time ranges and negation, as typed in the grid.
var Searches = []string{
	"user:super",
	`task:"Apply CLI Configlet" result:Failure`,
	"ip:172.16.0.0/16 result:Failure,Job\\ Scheduled",
	"after:-24h",
	"after:-7d before:-6d domain:Global/EMEA*",
	"-domain:Global/Lab result:Failure",
	"ntp",
	"mx960",
	"image deploy",
	"object:Device:mx960-1 after:-30d",
	"user:admin* -task:Login,Logout ntp",
}

// statsPhase times the Statistics page's queries: counts by column over
// the last 24 hours and 7 days and a histogram of results.
func statsPhase(ctx context.Context, st store.Store, end time.Time, o Options) error {
	day, week := store.Filter{From: end.Add(-24 * time.Hour)}, store.Filter{From: end.Add(-7 * 24 * time.Hour)}
	shapes := []struct {
		name string
		run  func() error
	}{
		{"top 10 users, last 24 hours", func() error {
			_, err := st.Stats(ctx, store.AllDomains, day, store.SortUserName, 10)
			return err
		}},
		{"by task, last 24 hours", func() error {
			_, err := st.Stats(ctx, store.AllDomains, day, store.SortTask, 10)
			return err
		}},
		{"by application, last 7 days", func() error {
			_, err := st.Stats(ctx, store.AllDomains, week, store.SortApplication, 10)
			return err
		}},
		{"results per hour, last 24 hours", func() error {
			_, err := st.Histogram(ctx, store.AllDomains, store.Filter{From: day.From, Result: []store.Match{{Value: "Failure"}}}, time.Hour)
			return err
		}},
	}
	fmt.Fprintf(o.Out, "\n%-52s %10s %10s\n", "statistics", "p50", "p99")
	for _, sh := range shapes {
		runs := max(o.QueryRuns/10, 5)
		var times []time.Duration
		for range runs {
			t0 := time.Now()
			if err := sh.run(); err != nil {
				return fmt.Errorf("%s: %w", sh.name, err)
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		fmt.Fprintf(o.Out, "%-52s %10s %10s\n", sh.name, ms(times[len(times)/2]), ms(times[len(times)*99/100]))
	}
	return nil
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// queryStore opens the query phase's store: the kept database under
// o.QueryData when given (SQLite), a fresh one otherwise.
func queryStore(ctx context.Context, fresh freshFunc, o Options) (store.Store, func(), error) {
	if o.QueryData == "" || o.Config.DB != "" {
		return fresh("query")
	}
	st, err := engine.Open(ctx, "", o.QueryData, engine.Options{})
	if err != nil {
		return nil, nil, err
	}
	return st, func() { st.Close() }, nil
}

// deepPage walks to page n by cursor and times reading that page.
func deepPage(ctx context.Context, st store.Store, scope store.Scope, q store.Query, n int) (string, error) {
	for i := 1; i < n; i++ {
		p, err := st.List(ctx, scope, q)
		if err != nil {
			return "", err
		}
		if p.Next == nil {
			return fmt.Sprintf("(%d pages)", i), nil
		}
		q.After = p.Next
	}
	var times []time.Duration
	for range 20 {
		t0 := time.Now()
		if _, err := st.List(ctx, scope, q); err != nil {
			return "", err
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	return ms(times[len(times)/2]), nil
}
