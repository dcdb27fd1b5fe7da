package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

func TestListingLinks(t *testing.T) {
	v := url.Values{"task": {"Log"}, "result": {""}, "sort": {"user_name"}, "limit": {"25"}, "cursor": {"abc"}, "p": {"3"}, "other": {"x"}}
	l := newListing("/audit-logs", v, []string{"task", "result", "sort", "limit"})
	for _, tc := range []struct{ name, got, want string }{
		{"first page keeps the view, not the position", l.url(nil), "/audit-logs?limit=25&sort=user_name&task=Log"},
		{"a change", l.url(map[string]string{"range": "1h"}, "task"), "/audit-logs?limit=25&range=1h&sort=user_name"},
		{"an empty value removes", l.url(map[string]string{"sort": ""}), "/audit-logs?limit=25&task=Log"},
		{"clear keeps the page size", l.only("limit").url(nil), "/audit-logs?limit=25"},
		{"nothing left", l.only().url(nil), "/audit-logs"},
		{"another path", l.at("/audit-logs/live").url(map[string]string{"after": "9"}), "/audit-logs/live?after=9&limit=25&sort=user_name&task=Log"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
	if got, want := l.hidden("limit"), map[string]string{"task": "Log", "sort": "user_name"}; !reflect.DeepEqual(got, want) {
		t.Errorf("hidden = %v, want %v", got, want)
	}
	if !l.filtered([]string{"result", "task"}) || l.filtered([]string{"result", "q"}) {
		t.Error("filtered does not follow the non-empty parameters")
	}
}

func TestPager(t *testing.T) {
	at := func(p int) listing {
		return newListing("/jobs", url.Values{"p": {fmt.Sprint(p)}, "sort": {"name"}}, []string{"sort"})
	}
	for _, tc := range []struct {
		page       int
		next, prev string
		want       pager
	}{
		{1, "N", "", pager{Page: 1, NextURL: "/jobs?cursor=N&p=2&sort=name"}},
		{2, "N", "P", pager{Page: 2, NextURL: "/jobs?cursor=N&p=3&sort=name", PrevURL: "/jobs?sort=name"}},
		{5, "", "P", pager{Page: 5, PrevURL: "/jobs?cursor=P&p=4&sort=name"}},
	} {
		if got := at(tc.page).pager(tc.next, tc.prev); got != tc.want {
			t.Errorf("page %d: %+v, want %+v", tc.page, got, tc.want)
		}
	}
	if token[store.Cursor]((*store.Cursor)(nil)) != "" {
		t.Error("no cursor has a token")
	}
}

func TestSortLinks(t *testing.T) {
	l := newListing("/audit-logs", url.Values{"task": {"Log"}}, []string{"task", "sort"})
	grid := gridSorting(store.DefaultSort)
	for _, tc := range []struct {
		field    string
		s        sorting
		href     string
		dir      string
		scenario string
	}{
		{"timestamp", grid, "/audit-logs?sort=timestamp&task=Log", "descending", "the current column reverses"},
		{"user_name", grid, "/audit-logs?sort=user_name&task=Log", "", "another column sorts ascending"},
		{"timestamp", gridSorting(store.Sort{Field: store.SortTimestamp}), "/audit-logs?task=Log", "ascending", "the default order is left out"},
		{"job_id", gridSorting(store.Sort{Field: store.SortUserName}), "/audit-logs?sort=job_id&task=Log", "", "ascending first"},
		{"timestamp", gridSorting(store.Sort{Field: store.SortUserName}), "/audit-logs?task=Log", "", "newest first on a first click on time"},
		{"name", sorting{current: "name"}, "/audit-logs?sort=-name&task=Log", "ascending", "jobs"},
		{"scheduled_start", sorting{current: "-scheduled_start"}, "/audit-logs?sort=scheduled_start&task=Log", "descending", "jobs name every order"},
	} {
		href, dir := l.sortLink(tc.field, tc.s)
		if href != tc.href || dir != tc.dir {
			t.Errorf("%s: %s %q, want %s %q", tc.scenario, href, dir, tc.href, tc.dir)
		}
	}
}

// TestExplain: the wrapper's one mapping from errors to error pages.
func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		msg    string
	}{
		{store.ErrNotFound, http.StatusNotFound, notFound.message},
		{fmt.Errorf("job 7: %w", store.ErrNotFound), http.StatusNotFound, notFound.message},
		{&query.FieldError{Field: "range", Reason: "must be one of 1h"}, http.StatusBadRequest, "range: must be one of 1h"},
		{errFormUnreadable, http.StatusBadRequest, "The form could not be read."},
		{forbidden("no"), http.StatusForbidden, "no"},
		{job.ErrForbidden, http.StatusForbidden, "Only the job's owner or a Job Administrator may change it."},
		{errors.New("disk on fire"), http.StatusInternalServerError, serverError.message},
	} {
		if e := explain(tc.err); e.status != tc.status || e.message != tc.msg {
			t.Errorf("explain(%v) = %d %q, want %d %q", tc.err, e.status, e.message, tc.status, tc.msg)
		}
	}
}
