package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/logbookhq/logbook/internal/api"
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
func (h *Handler) showObject(w http.ResponseWriter, r *http.Request) {
	ref := store.ObjectRef{Type: r.PathValue("type"), Name: r.PathValue("name")}
	if ref.Type == "" || ref.Name == "" || len(ref.Type) > 128 || len(ref.Name) > 255 {
		h.fail(w, r, http.StatusNotFound, nil)
		return
	}
	scope := scopeOf(r)
	f := store.Filter{Object: []store.ObjectRef{ref}}
	page, err := h.store.List(r.Context(), scope, store.Query{Filter: f, Sort: store.DefaultSort, Limit: 200})
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	n, err := h.store.Count(r.Context(), scope, f, api.CountCap)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	self := r.URL.Path
	v := objectView{base: base{Title: ref.Type + " " + ref.Name, Nav: "audit-logs"}, Type: ref.Type, Name: ref.Name,
		Total: formatCount(n), GridURL: "/audit-logs?" + url.Values{"object": {ref.Type + ":" + ref.Name}}.Encode()}
	for _, e := range page.Entries {
		row := gridRow{ID: e.ID, UserName: e.UserName, UserIP: e.UserIP, Domain: e.Domain, Task: e.Task, Result: e.Result,
			ResultClass: resultClass(e.Result), Description: e.Description, TimeISO: isoTime(e.Timestamp), TimeUTC: utcTime(e.Timestamp),
			DetailURL: withBack("/audit-logs/"+strconv.FormatInt(e.ID, 10), self)}
		v.Rows = append(v.Rows, row)
		if e.HasConfigChange {
			row.DetailURL = "/audit-logs/" + strconv.FormatInt(e.ID, 10) + "/config-change"
			v.Changes = append(v.Changes, row)
		}
	}
	h.render(w, r, http.StatusOK, "object", "", &v)
}
