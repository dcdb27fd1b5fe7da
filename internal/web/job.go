package web

import (
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/api"
	"github.com/logbookhq/logbook/internal/store"
)

type jobView struct {
	base
	JobID   int64
	Rows    []gridRow
	Total   string
	BackURL string
}

// showJob lists the audit logs of one job, the link target of every Job
// ID in the grid and the detail dialog.
func (h *Handler) showJob(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.fail(w, r, http.StatusNotFound, err)
		return
	}
	scope := scopeOf(r)
	f := store.Filter{JobID: []int64{id}}
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
	back := backURL(r)
	v := jobView{base: base{Title: "Job " + strconv.FormatInt(id, 10), Nav: "audit-logs"}, JobID: id, Total: formatCount(n), BackURL: back}
	for _, e := range page.Entries {
		v.Rows = append(v.Rows, gridRow{ID: e.ID, UserName: e.UserName, Task: e.Task, Result: e.Result,
			ResultClass: resultClass(e.Result), Description: e.Description,
			TimeISO: isoTime(e.Timestamp), TimeUTC: utcTime(e.Timestamp),
			DetailURL: withBack("/audit-logs/"+strconv.FormatInt(e.ID, 10), back)})
	}
	h.render(w, r, http.StatusOK, "job", "", &v)
}
