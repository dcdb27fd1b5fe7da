package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/logbookhq/logbook/internal/store"
)

type objectView struct {
	base
	Type, Name string
	Rows       []gridRow
	Changes    []gridRow // entries with a configuration change, newest first
	Total      string
	GridURL    string
}

// showObject is the history of one affected object: every audit log that
// touched it, newest first, and for a device the timeline of its
// configuration changes with links to the diffs.
func (h *Handler) showObject(w http.ResponseWriter, r *http.Request) (answer, error) {
	ref := store.ObjectRef{Type: r.PathValue("type"), Name: r.PathValue("name")}
	if ref.Type == "" || ref.Name == "" || len(ref.Type) > 128 || len(ref.Name) > 255 {
		return nil, store.ErrNotFound
	}
	f := store.Filter{Object: []store.ObjectRef{ref}}
	l, err := h.logs.List(r.Context(), scopeOf(r), store.Query{Filter: f, Sort: store.DefaultSort, Limit: 200})
	if err != nil {
		return nil, err
	}
	v := objectView{base: base{Title: ref.Type + " " + ref.Name, Nav: "audit-logs"}, Type: ref.Type, Name: ref.Name,
		GridURL: "/audit-logs?" + url.Values{"object": {ref.Type + ":" + ref.Name}}.Encode(), Rows: gridRows(l.Entries, r.URL.Path)}
	v.Total, _ = formatTotal(l.Total)
	for i, e := range l.Entries {
		if e.HasConfigChange {
			row := v.Rows[i]
			row.DetailURL = "/audit-logs/" + strconv.FormatInt(e.ID, 10) + "/config-change"
			v.Changes = append(v.Changes, row)
		}
	}
	return show("object", &v), nil
}
