package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/api"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

type gridColumn struct {
	Key, Label string
	Filter     string // text, number, application, result or "" for none
	SortURL    string
	Dir        string // ascending, descending or ""
	Hidden     bool   // hidden unless the viewer chooses it
}

type gridRow struct {
	ID          int64
	UserName    string
	UserIP      string
	Domain      string
	Application string
	Workspace   string
	Task        string
	Result      audit.Result
	ResultClass string
	JobID       int64
	JobURL      string
	Description string
	TimeISO     string
	TimeUTC     string
	DetailURL   string
}

type rangeOption struct {
	Label, URL string
	Selected   bool
}

type gridView struct {
	base
	Columns      []gridColumn
	Rows         []gridRow
	Filter       map[string]string
	Keep         map[string]string // parameters the page-size form carries
	Applications []string
	Results      []audit.Result
	Ranges       []rangeOption
	Sort         string
	Limit        int
	PageSizes    []int
	Total        string
	Estimate     string // about how many match, past the exact count's cap
	Page         int
	NextURL      string
	PrevURL      string
	ClearURL     string
	FirstURL     string
	LiveURL      string
	ExportURL    string
	ExportQuery  string // the export's query string, for an export job
	SearchFields []string
	Saved        []savedLink
	Query        string // the view's parameters, for saving it
	FilterError  string
	Empty        bool
	HasFilters   bool
}

// columns are the grid's columns in Table 1 order; Workspace is shown only
// in the detail dialog unless the viewer adds it.
var columns = []gridColumn{
	{Key: "id", Label: "Audit Log ID", Filter: "number"},
	{Key: "user_name", Label: "User Name", Filter: "text"},
	{Key: "user_ip", Label: "User IP", Filter: "text"},
	{Key: "domain", Label: "Domain", Filter: "text"},
	{Key: "application", Label: "Application", Filter: "application"},
	{Key: "workspace", Label: "Workspace", Filter: "text", Hidden: true},
	{Key: "task", Label: "Task", Filter: "text"},
	{Key: "timestamp", Label: "Timestamp"},
	{Key: "result", Label: "Result", Filter: "result"},
	{Key: "job_id", Label: "Job ID", Filter: "number"},
	{Key: "description", Label: "Description"},
}

// gridParams are the URL parameters of the grid; anything else is refused
// by the API's parser with a message naming it.
var gridParams = []string{"q", "user_name", "user_ip", "domain", "application", "workspace", "task", "result", "job_id", "object", "from", "to", "range", "sort", "limit"}

// textParams match by prefix in the grid: what a person types in a column
// filter is the start of what they look for. A value in double quotes
// matches exactly.
var textParams = map[string]bool{"user_name": true, "user_ip": true, "domain": true, "workspace": true, "task": true}

var quickRanges = []struct {
	Value, Label string
	Dur          time.Duration
}{
	{"1h", "Last hour", time.Hour},
	{"24h", "24 hours", 24 * time.Hour},
	{"7d", "7 days", 7 * 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour},
}

var pageSizes = []int{25, 50, 100, 200}

// gridQuery turns the grid's URL parameters into a store query through the
// API's parser, so that the grid and the API filter alike.
func gridQuery(v url.Values, now time.Time) (store.Query, error) {
	apiv, err := apiValues(v, now)
	if err != nil {
		return store.Query{}, err
	}
	q, err := api.ParseQuery(apiv)
	if err != nil {
		return q, err
	}
	if s := v.Get("id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return q, errors.New("id: must be a positive integer")
		}
		q.Filter.ID = id
	}
	return q, nil
}

// apiValues translates the grid's parameters into the API's: text filters
// match by prefix, a quick range becomes a from time.
func apiValues(v url.Values, now time.Time) (url.Values, error) {
	apiv := url.Values{}
	for name, vals := range v {
		switch name {
		case "p", "range":
			continue
		case "id":
			continue // the Audit Log ID column filter, read below
		}
		for _, s := range vals {
			if s == "" {
				continue
			}
			if textParams[name] {
				if len(s) >= 2 && strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) {
					s = s[1 : len(s)-1]
				} else if !strings.HasSuffix(s, "*") {
					s += "*"
				}
			}
			apiv.Add(name, s)
		}
	}
	if r := v.Get("range"); r != "" {
		found := false
		for _, q := range quickRanges {
			if q.Value == r {
				apiv.Set("from", now.Add(-q.Dur).UTC().Format(time.RFC3339))
				apiv.Del("to")
				found = true
			}
		}
		if !found {
			return nil, errors.New("range: must be one of 1h, 24h, 7d, 30d")
		}
	}
	if apiv.Get("limit") == "" {
		apiv.Set("limit", "50")
	}
	return apiv, nil
}

func (h *Handler) showAuditLogs(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	page, _ := strconv.Atoi(v.Get("p"))
	page = max(page, 1)
	view := gridView{base: base{Title: "Audit Log", Nav: "audit-logs"}, Results: audit.Results, PageSizes: pageSizes, SearchFields: fieldPrompts(),
		Filter: map[string]string{}, Keep: map[string]string{}, Page: page}
	for _, name := range gridParams {
		view.Filter[name] = v.Get(name)
	}
	view.Filter["id"] = v.Get("id")
	for _, name := range []string{"q", "user_name", "user_ip", "domain", "application", "workspace", "task", "result", "job_id", "object", "from", "to", "range", "id"} {
		if view.Filter[name] != "" {
			view.HasFilters = true
			view.Keep[name] = view.Filter[name]
		}
	}
	view.Sort = v.Get("sort")
	if view.Sort != "" {
		view.Keep["sort"] = view.Sort
	} else {
		view.Sort = store.DefaultSort.String()
	}

	// base holds the filters and sort without the position, for links.
	base := url.Values{}
	for k, s := range view.Keep {
		base.Set(k, s)
	}
	if l := v.Get("limit"); l != "" {
		base.Set("limit", l)
	}
	link := func(vals url.Values) string {
		if len(vals) == 0 {
			return "/audit-logs"
		}
		return "/audit-logs?" + vals.Encode()
	}
	with := func(changes map[string]string, drop ...string) string {
		c := url.Values{}
		for k, s := range base {
			c[k] = s
		}
		for _, d := range drop {
			c.Del(d)
		}
		for k, s := range changes {
			if s == "" {
				c.Del(k)
			} else {
				c.Set(k, s)
			}
		}
		return link(c)
	}
	view.FirstURL = with(nil)
	self := r.URL.Path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	clear := url.Values{}
	if l := v.Get("limit"); l != "" {
		clear.Set("limit", l)
	}
	view.ClearURL = link(clear)
	for _, q := range quickRanges {
		view.Ranges = append(view.Ranges, rangeOption{Label: q.Label, URL: with(map[string]string{"range": q.Value}, "from", "to"), Selected: v.Get("range") == q.Value})
	}
	view.Ranges = append(view.Ranges, rangeOption{Label: "Any time", URL: with(nil, "from", "to", "range"),
		Selected: v.Get("range") == "" && v.Get("from") == "" && v.Get("to") == ""})

	q, err := gridQuery(v, h.now())
	sortNow := q.Sort
	if err != nil {
		sortNow = store.DefaultSort
	}
	for _, c := range columns {
		if f := store.SortField(c.Key); c.Key != "description" {
			next := store.Sort{Field: f}
			if sortNow.Field == f {
				c.Dir = "ascending"
				if sortNow.Desc {
					c.Dir = "descending"
				} else {
					next.Desc = true
				}
			} else if f == store.SortTimestamp {
				next.Desc = true // newest first is what a first click on time means
			}
			sortParam := next.String()
			if next == store.DefaultSort {
				sortParam = ""
			}
			c.SortURL = with(map[string]string{"sort": sortParam})
		}
		view.Columns = append(view.Columns, c)
	}
	view.Limit = q.Limit
	if ev, err := apiValues(v, h.now()); err == nil {
		ev.Del("limit")
		ev.Del("cursor")
		ev.Set("format", "csv")
		view.ExportURL = "/api/v1/audit-logs/export?" + ev.Encode()
		view.ExportQuery = ev.Encode()
	}
	if err != nil {
		view.Limit = 50
		view.FilterError = err.Error()
		var apiErr *api.Error
		if errors.As(err, &apiErr) && len(apiErr.Fields) > 0 && apiErr.Fields[0].Field == "cursor" {
			view.FilterError = "This page link is out of date or damaged; start again from the first page."
		}
		view.HasFilters = true
		view.Total = "0"
		view.Empty = true
		h.render(w, r, http.StatusBadRequest, "auditlogs", "", &view)
		return
	}
	scope := scopeOf(r)
	ctx := r.Context()
	if apps, err := h.store.Values(ctx, scope, store.SortApplication, 100); err == nil {
		view.Applications = apps
	}
	view.SearchFields = append(view.SearchFields, h.suggestions(ctx, scope)...)
	view.Saved = h.savedSearches(r)
	view.Query = r.URL.RawQuery
	headID, _, err := h.store.Head(ctx)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	result, err := h.store.List(ctx, scope, q)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	n, err := h.store.Count(ctx, scope, q.Filter, api.CountCap)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	view.Total = formatCount(n)
	if n > api.CountCap {
		est, err := h.store.Estimate(ctx, scope, q.Filter, api.CountCap)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		view.Estimate = formatEstimate(est)
	}
	for _, e := range result.Entries {
		view.Rows = append(view.Rows, gridRow{
			ID: e.ID, UserName: e.UserName, UserIP: e.UserIP, Domain: e.Domain, Application: e.Application,
			Workspace: e.Workspace, Task: e.Task, Result: e.Result, ResultClass: resultClass(e.Result),
			JobID: e.JobID, JobURL: withBack("/jobs/"+strconv.FormatInt(e.JobID, 10), self), Description: e.Description,
			TimeISO: isoTime(e.Timestamp), TimeUTC: utcTime(e.Timestamp),
			DetailURL: withBack("/audit-logs/"+strconv.FormatInt(e.ID, 10), self),
		})
	}
	view.Empty = len(view.Rows) == 0
	if result.Next != nil {
		view.NextURL = with(map[string]string{"cursor": result.Next.Encode(), "p": strconv.Itoa(page + 1)})
	}
	if result.Prev != nil {
		if page <= 2 {
			view.PrevURL = with(nil)
		} else {
			view.PrevURL = with(map[string]string{"cursor": result.Prev.Encode(), "p": strconv.Itoa(page - 1)})
		}
	}
	liveVals := url.Values{}
	for k, s := range base {
		liveVals[k] = s
	}
	liveVals.Set("after", strconv.FormatInt(headID, 10))
	view.LiveURL = "/audit-logs/live?" + liveVals.Encode()
	h.render(w, r, http.StatusOK, "auditlogs", "", &view)
}

// formatCount writes n with thousands separators, and "10,000+" past the
// cap where counts stop being exact.
func formatCount(n int) string {
	if n > api.CountCap {
		return formatInt(api.CountCap) + "+"
	}
	return formatInt(n)
}

// formatEstimate rounds an estimate to two significant digits: it is
// an estimate, and more digits would pretend otherwise.
func formatEstimate(n int64) string {
	if n <= 0 {
		return ""
	}
	p := int64(1)
	for n/p >= 100 {
		p *= 10
	}
	return formatInt(int((n + p/2) / p * p))
}

func formatInt(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// fieldPrompts are the search fields as the box suggests them ("user:").
func fieldPrompts() []string {
	var out []string
	for _, f := range search.Fields() {
		out = append(out, f+":")
	}
	return out
}

// suggestionTTL is how long the search box's value suggestions are kept
// per scope: reading them costs a few milliseconds, too much for every
// page of the grid.
const suggestionTTL = time.Minute

type suggestionSet struct {
	values []string
	until  time.Time
}

// suggestions are the values the search box offers for users, tasks,
// applications and domains the viewer may see.
func (h *Handler) suggestions(ctx context.Context, scope store.Scope) []string {
	key := fmt.Sprint(scope)
	now := h.now()
	h.suggestMu.Lock()
	if s, ok := h.suggest[key]; ok && now.Before(s.until) {
		h.suggestMu.Unlock()
		return s.values
	}
	h.suggestMu.Unlock()
	var out []string
	for _, s := range []struct {
		field store.SortField
		name  string
	}{{store.SortUserName, "user"}, {store.SortTask, "task"}, {store.SortApplication, "application"}, {store.SortDomain, "domain"}} {
		vals, err := h.store.Values(ctx, scope, s.field, 50)
		if err != nil {
			continue
		}
		for _, v := range vals {
			if strings.ContainsAny(v, " \t\"") {
				v = strconv.Quote(v)
			}
			out = append(out, s.name+":"+v)
		}
	}
	h.suggestMu.Lock()
	if len(h.suggest) > 1000 {
		clear(h.suggest)
	}
	h.suggest[key] = suggestionSet{values: out, until: now.Add(suggestionTTL)}
	h.suggestMu.Unlock()
	return out
}
