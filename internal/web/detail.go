package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/store"
)

type detailView struct {
	base
	Entry        audit.Entry
	TimeISO      string
	TimeUTC      string
	RecordedISO  string
	RecordedUTC  string
	ResultClass  string
	JobURL       string
	Detail       string
	DetailIsJSON bool
	BackURL      string
	// Log is where the entry stands in the verifiable log; nil when it
	// has no leaf.
	Log                  *auditlog.Inclusion
	SignedISO, SignedUTC string
}

// showAuditLog shows one entry: as a page, or with ?fragment=1 as the body
// of the grid's detail dialog.
func (h *Handler) showAuditLog(w http.ResponseWriter, r *http.Request) (answer, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	e, err := h.logs.Get(r.Context(), scopeOf(r), id)
	if err != nil {
		return nil, err
	}
	back := backURL(r)
	v := detailView{base: base{Title: "Audit Log " + strconv.FormatInt(e.ID, 10), Nav: "audit-logs"}, Entry: e,
		TimeISO: isoTime(e.Timestamp), TimeUTC: utcTime(e.Timestamp),
		RecordedISO: isoTime(e.RecordedAt), RecordedUTC: utcTime(e.RecordedAt),
		ResultClass: resultClass(e.Result), BackURL: back,
		JobURL: withBack("/jobs/"+strconv.FormatInt(e.JobID, 10), back)}
	v.Detail, v.DetailIsJSON = prettyDetail(e.AffectedObjectDetail)
	if in, err := h.logs.Included(r.Context(), e.ID); err == nil {
		v.Log = &in
		v.SignedISO, v.SignedUTC = isoTime(in.SignedAt), utcTime(in.SignedAt)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	p := show("detail", &v)
	if r.URL.Query().Get("fragment") == "1" {
		p.block = "detail-body"
	}
	return p, nil
}

// prettyDetail indents affected object detail that is JSON.
func prettyDetail(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') || !json.Valid([]byte(t)) {
		return s, false
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(t), "", "  "); err != nil {
		return s, false
	}
	return buf.String(), true
}
