package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// listing is the view state of a grid page as its URL holds it — the
// filters, sort and page size every link carries, and the page's number —
// and the links that change one part of it: sort toggles, the keyset
// pager, time ranges, the page-size form. It is miniflux's pagination
// for pages that continue from a cursor rather than an offset; the audit
// log grid and the job list build all their links with it.
type listing struct {
	path string
	keep url.Values
	page int // this page's number, 1 for the first
}

// newListing reads the view state of the grid at path from v: the
// non-empty values of the parameters keep names, and the page number p.
// Cursors are never kept: every link but the pager's starts again from
// the first page.
func newListing(path string, v url.Values, keep []string) listing {
	l := listing{path: path, keep: url.Values{}, page: 1}
	for _, k := range keep {
		if s := v.Get(k); s != "" {
			l.keep.Set(k, s)
		}
	}
	if p, _ := strconv.Atoi(v.Get("p")); p > 1 {
		l.page = p
	}
	return l
}

// url is the listing's URL with set's parameters changed (an empty value
// removes one) and drop's removed.
func (l listing) url(set map[string]string, drop ...string) string {
	c := url.Values{}
	for k, s := range l.keep {
		if !slices.Contains(drop, k) {
			c[k] = s
		}
	}
	for k, s := range set {
		if s == "" {
			c.Del(k)
		} else {
			c.Set(k, s)
		}
	}
	if len(c) == 0 {
		return l.path
	}
	return l.path + "?" + c.Encode()
}

// at is the same view state at another path (the live count of a grid).
func (l listing) at(path string) listing {
	l.path = path
	return l
}

// only keeps the parameters names and nothing else: Clear filters keeps
// the page size.
func (l listing) only(names ...string) listing {
	out := listing{path: l.path, keep: url.Values{}, page: 1}
	for _, k := range names {
		if s, ok := l.keep[k]; ok {
			out.keep[k] = s
		}
	}
	return out
}

// hidden are the parameters a GET form that sets except must carry as
// hidden fields to keep the rest of the view: the page-size form carries
// everything but limit.
func (l listing) hidden(except ...string) map[string]string {
	out := map[string]string{}
	for k := range l.keep {
		if !slices.Contains(except, k) {
			out[k] = l.keep.Get(k)
		}
	}
	return out
}

// filtered reports whether any of the parameters names is set.
func (l listing) filtered(names []string) bool {
	return slices.ContainsFunc(names, l.keep.Has)
}

// pager is the keyset pager of a grid page: its number and the links to
// the pages before and after it ("" where there is none).
type pager struct {
	Page             int
	PrevURL, NextURL string
}

// pager links the neighbours of this page; next and prev are the page's
// cursor tokens ("" when nothing lies that way). The page before the
// second is the first, whose link has no cursor: it is the URL a viewer
// would bookmark.
func (l listing) pager(next, prev string) pager {
	p := pager{Page: l.page}
	if next != "" {
		p.NextURL = l.url(map[string]string{"cursor": next, "p": strconv.Itoa(l.page + 1)})
	}
	switch {
	case prev == "":
	case l.page <= 2:
		p.PrevURL = l.url(nil)
	default:
		p.PrevURL = l.url(map[string]string{"cursor": prev, "p": strconv.Itoa(l.page - 1)})
	}
	return p
}

// token is the encoded form of a cursor, "" for none.
func token[T any, C interface {
	*T
	Encode() string
}](c C) string {
	if c == nil {
		return ""
	}
	return c.Encode()
}

// sorting is how a grid's column headers sort: the current order as the
// sort parameter writes it ("name", "-name"), the columns whose first
// click sorts descending (newest first is what a first click on a time
// means), and the order a URL without a sort parameter shows, which links
// leave out ("" when links always name their order).
type sorting struct {
	current   string
	descFirst []string
	implicit  string
}

// sortLink is the link of the header of column field and its aria-sort:
// on the column the grid is sorted by it reverses the order, on another
// it sorts that column.
func (l listing) sortLink(field string, s sorting) (href, dir string) {
	curField, curDesc := strings.CutPrefix(s.current, "-")
	next := field
	switch {
	case curField == field && curDesc:
		dir = "descending"
	case curField == field:
		dir, next = "ascending", "-"+field
	case slices.Contains(s.descFirst, field):
		next = "-" + field
	}
	if next == s.implicit {
		next = ""
	}
	return l.url(map[string]string{"sort": next}), dir
}

// pageSize is one choice of a grid's page-size form.
type pageSize struct {
	N        int
	Selected bool
}

// pageSizes are the choices of sizes with the current one selected.
func pageSizes(sizes []int, current int) []pageSize {
	out := make([]pageSize, len(sizes))
	for i, n := range sizes {
		out[i] = pageSize{N: n, Selected: n == current}
	}
	return out
}

// values are the parameters of the view, a copy the caller may change.
func (l listing) values() url.Values {
	out := url.Values{}
	for k, s := range l.keep {
		out[k] = slices.Clone(s)
	}
	return out
}
