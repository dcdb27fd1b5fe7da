package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

type bar struct {
	Label string
	Count int64
	Width float64 // percent of the chart's width (the widest bar takes 44)
	Y     int
	URL   string
}

type chart struct {
	Title, ID string
	Bars      []bar
	Height    int
	Empty     bool
}

type column struct {
	Label  string
	Count  int64
	X      float64 // percent of the chart's width
	Y      float64 // pixels from the top
	Height float64 // pixels (the tallest column takes 140)
	URL    string
}

type statsView struct {
	base
	Frames   []rangeOption
	Frame    string
	Charts   []chart
	Active   chart
	Timeline []column
	Interval string
}

var statFrames = []struct {
	Value, Label string
	Dur          time.Duration
}{
	{"24h", "24 hours", 24 * time.Hour}, {"7d", "7 days", 7 * 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour}, {"90d", "90 days", 90 * 24 * time.Hour},
}

// statCharts are the bar charts of the statistics page.
var statCharts = []struct {
	title, id string
	by        store.SortField
}{
	{"By task", "by-task", store.SortTask}, {"By user", "by-user", store.SortUserName},
	{"By workspace", "by-workspace", store.SortWorkspace}, {"By application", "by-application", store.SortApplication},
	{"By result", "by-result", store.SortResult},
}

// showStatistics is the landing page of audit administrators: who did
// what, from where, over a time frame, each bar a link to the grid
// filtered to it. The charts are SVG drawn on the server.
func (h *Handler) showStatistics(w http.ResponseWriter, r *http.Request) (answer, error) {
	frame := r.URL.Query().Get("range")
	dur := time.Duration(0)
	for _, f := range statFrames {
		if f.Value == frame {
			dur = f.Dur
		}
	}
	if dur == 0 {
		frame, dur = "7d", 7*24*time.Hour
	}
	v := statsView{base: base{Title: "Statistics", Nav: "statistics"}, Frame: frame}
	for _, f := range statFrames {
		v.Frames = append(v.Frames, rangeOption{Label: f.Label, URL: "/statistics?range=" + f.Value, Selected: f.Value == frame})
	}
	now := h.now()
	filter := store.Filter{From: now.Add(-dur)}
	ctx, scope := r.Context(), scopeOf(r)
	gridRange := map[string]string{"24h": "24h", "7d": "7d", "30d": "30d", "90d": ""}[frame]
	for _, spec := range statCharts {
		c, err := h.barChart(ctx, scope, spec.title, spec.id, spec.by, filter, gridRange)
		if err != nil {
			return nil, err
		}
		v.Charts = append(v.Charts, c)
	}
	active, err := h.barChart(ctx, scope, "Top 10 active users in the last 24 hours", "active-users", store.SortUserName,
		store.Filter{From: now.Add(-24 * time.Hour)}, "24h")
	if err != nil {
		return nil, err
	}
	v.Active = active
	interval := 24 * time.Hour
	v.Interval = "per day"
	if dur <= 24*time.Hour {
		interval, v.Interval = time.Hour, "per hour"
	}
	buckets, err := h.logs.Histogram(ctx, scope, filter, interval)
	if err != nil {
		return nil, err
	}
	v.Timeline = timeline(buckets, interval)
	return show("statistics", &v), nil
}

// barChart is the top 10 values of the column by among the entries f
// selects; each bar links to the grid of its entries over gridRange.
func (h *Handler) barChart(ctx context.Context, scope store.Scope, title, id string, by store.SortField, f store.Filter, gridRange string) (chart, error) {
	groups, err := h.logs.Stats(ctx, scope, f, by, 10)
	if err != nil {
		return chart{}, err
	}
	c := chart{Title: title, ID: id, Height: max(1, len(groups)) * 24, Empty: len(groups) == 0}
	var most int64 = 1
	for _, g := range groups {
		most = max(most, g.Count)
	}
	for i, g := range groups {
		q := url.Values{"range": {gridRange}}
		val := g.Key
		if by != store.SortApplication && by != store.SortResult {
			val = `"` + g.Key + `"` // exact, not the grid's prefix match
		}
		q.Set(string(by), val)
		label := g.Key
		if label == "" {
			label = "(none)"
		}
		c.Bars = append(c.Bars, bar{Label: label, Count: g.Count, Width: 44 * float64(g.Count) / float64(most), Y: i * 24,
			URL: "/audit-logs?" + q.Encode()})
	}
	return c, nil
}

// timeline is the histogram's columns, each a link to the grid of its
// interval.
func timeline(buckets []store.Bucket, interval time.Duration) []column {
	var out []column
	var most int64 = 1
	for _, b := range buckets {
		most = max(most, b.Count)
	}
	step := 100.0 / float64(max(1, len(buckets)))
	for i, b := range buckets {
		q := url.Values{"from": {b.Start.UTC().Format(time.RFC3339)}, "to": {b.Start.Add(interval).UTC().Format(time.RFC3339)}}
		out = append(out, column{Label: b.Start.UTC().Format(map[bool]string{true: "02 Jan 15:00", false: "02 Jan"}[interval == time.Hour]),
			Count: b.Count, X: float64(i) * step, Height: 140 * float64(b.Count) / float64(most), Y: 140 - 140*float64(b.Count)/float64(most),
			URL: "/audit-logs?" + q.Encode()})
	}
	return out
}

// barWidth is the width of a timeline column, in percent.
func barWidth(n int) string { return fmt.Sprintf("%.2f", 100.0/float64(max(1, n))*0.8) }
