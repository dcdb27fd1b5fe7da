package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/query"
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
	pager
	Columns      []gridColumn
	Rows         []gridRow
	Filter       map[string]string
	Keep         map[string]string // parameters the page-size form carries
	Applications []string
	Results      []audit.Result
	Ranges       []rangeOption
	Sort         string
	Limit        int
	PageSizes    []pageSize
	Total        string
	Estimate     string // about how many match, past the exact count's cap
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

// gridFilters are the grid's filter parameters (query.ParseGrid reads
// them); gridKeep adds the order and the page size, which every link of
// the grid carries too.
var (
	gridFilters = []string{"q", "user_name", "user_ip", "domain", "application", "workspace", "task", "result", "job_id",
		"object", "from", "to", "range", "id"}
	gridKeep = append(slices.Clone(gridFilters), "sort", "limit")
)

var pageSizeChoices = []int{25, 50, 100, 200}

// gridSorting is how the grid's headers sort: newest first on a first
// click on the time, and the default order left out of links.
func gridSorting(current store.Sort) sorting {
	return sorting{current: current.String(), descFirst: []string{string(store.SortTimestamp)}, implicit: store.DefaultSort.String()}
}

// showAuditLogs is the audit log grid: filters, sort, keyset pages,
// totals, and the links to export and to follow new entries live.
func (h *Handler) showAuditLogs(w http.ResponseWriter, r *http.Request) (answer, error) {
	v := r.URL.Query()
	l := newListing("/audit-logs", v, gridKeep)
	view := newGridView(v, l)
	q, err := query.ParseGrid(v, h.now())
	current := q.Sort
	if err != nil {
		current = store.DefaultSort
	}
	for _, c := range columns {
		if c.Key != "description" {
			c.SortURL, c.Dir = l.sortLink(c.Key, gridSorting(current))
		}
		view.Columns = append(view.Columns, c)
	}
	if err != nil {
		return view.refused(err), nil
	}
	view.Limit, view.PageSizes = q.Limit, pageSizes(pageSizeChoices, q.Limit)
	view.ExportQuery = exportQuery(v, q)
	view.ExportURL = "/api/v1/audit-logs/export?" + view.ExportQuery
	ctx, scope := r.Context(), scopeOf(r)
	if apps, err := h.logs.Values(ctx, scope, store.SortApplication, 100); err == nil {
		view.Applications = apps
	}
	view.SearchFields = append(view.SearchFields, h.suggestions(ctx, scope)...)
	view.Saved = h.savedSearches(r)
	view.Query = r.URL.RawQuery
	head, err := h.logs.Head(ctx)
	if err != nil {
		return nil, err
	}
	result, err := h.logs.List(ctx, scope, q)
	if err != nil {
		return nil, err
	}
	view.Total, view.Estimate = formatTotal(result.Total)
	view.Rows = gridRows(result.Entries, requestURI(r))
	view.Empty = len(view.Rows) == 0
	view.pager = l.pager(token(result.Next), token(result.Prev))
	view.LiveURL = l.at("/audit-logs/live").url(map[string]string{"after": strconv.FormatInt(head, 10)})
	return show("auditlogs", &view), nil
}

// newGridView is the part of the grid's view that its URL alone decides:
// the filters as typed, the time ranges, the links that clear filters or
// go back to the first page, and the page-size form.
func newGridView(v url.Values, l listing) gridView {
	view := gridView{base: base{Title: "Audit Log", Nav: "audit-logs"}, Results: audit.Results, SearchFields: fieldPrompts(),
		Filter: map[string]string{}, Keep: l.hidden("limit"), HasFilters: l.filtered(gridFilters), pager: pager{Page: l.page},
		FirstURL: l.url(nil), ClearURL: l.only("limit").url(nil), Sort: v.Get("sort")}
	for _, name := range gridKeep {
		view.Filter[name] = v.Get(name)
	}
	if view.Sort == "" {
		view.Sort = store.DefaultSort.String()
	}
	for _, q := range query.QuickRanges {
		view.Ranges = append(view.Ranges, rangeOption{Label: q.Label, URL: l.url(map[string]string{"range": q.Value}, "from", "to"),
			Selected: v.Get("range") == q.Value})
	}
	view.Ranges = append(view.Ranges, rangeOption{Label: "Any time", URL: l.url(nil, "from", "to", "range"),
		Selected: v.Get("range") == "" && v.Get("from") == "" && v.Get("to") == ""})
	return view
}

// refused is the grid of a view it cannot show: empty, with why.
func (view gridView) refused(err error) page {
	view.Limit, view.PageSizes = query.DefaultLimit, pageSizes(pageSizeChoices, query.DefaultLimit)
	view.FilterError = err.Error()
	if query.IsBadCursor(err) {
		view.FilterError = "This page link is out of date or damaged; start again from the first page."
	}
	view.HasFilters, view.Total, view.Empty = true, "0", true
	return show("auditlogs", &view).withStatus(http.StatusBadRequest)
}

// exportQuery is the grid's view as the parameters of an export: without
// a sort of its own the grid shows the newest first, but an export is in
// the order the entries were recorded in.
func exportQuery(v url.Values, q store.Query) string {
	x := query.Export{Format: query.CSV, Query: q}
	if v.Get("sort") == "" {
		x.Query.Sort = query.ExportSort
	}
	return x.Values().Encode()
}

// gridRows are entries as grid rows whose links come back to back.
func gridRows(es []audit.Entry, back string) []gridRow {
	var rows []gridRow
	for _, e := range es {
		rows = append(rows, gridRow{
			ID: e.ID, UserName: e.UserName, UserIP: e.UserIP, Domain: e.Domain, Application: e.Application,
			Workspace: e.Workspace, Task: e.Task, Result: e.Result, ResultClass: resultClass(e.Result),
			JobID: e.JobID, JobURL: withBack("/jobs/"+strconv.FormatInt(e.JobID, 10), back), Description: e.Description,
			TimeISO: isoTime(e.Timestamp), TimeUTC: utcTime(e.Timestamp),
			DetailURL: withBack("/audit-logs/"+strconv.FormatInt(e.ID, 10), back),
		})
	}
	return rows
}

// requestURI is the path and query of r, for links that come back to it.
func requestURI(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.Path
	}
	return r.URL.Path + "?" + r.URL.RawQuery
}

// formatTotal writes a total with thousands separators, "10,000+" past
// the cap where counts stop being exact, with the estimate beyond it.
func formatTotal(t auditlog.Total) (total, estimate string) {
	if t.Capped {
		return formatInt(auditlog.CountCap) + "+", formatEstimate(t.Estimate)
	}
	return formatInt(t.N), ""
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
