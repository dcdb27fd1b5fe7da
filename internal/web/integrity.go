package web

import (
	"context"
	"net/http"
	"time"

	"github.com/logbookhq/logbook/internal/access"
)

// LogStatus is what the Integrity page shows of the verifiable log.
type LogStatus struct {
	Origin    string
	VKey      string
	Size      int64 // of the newest signed checkpoint; 0 before the first
	SignedAt  time.Time
	Root      string // base64, as in the checkpoint
	Witnesses []WitnessStatus
}

// WitnessStatus is one witness as the log last heard from it.
type WitnessStatus struct {
	URL, VKey    string
	CosignedSize int64 // 0 when it has not cosigned since this server started
	CosignedAt   time.Time
	Refusal      string // why it refuses the log; "" when it does not
}

// Refusing counts the witnesses that refuse the log.
func (s LogStatus) Refusing() int {
	n := 0
	for _, w := range s.Witnesses {
		if w.Refusal != "" {
			n++
		}
	}
	return n
}

type integrityView struct {
	base
	Log                  LogStatus
	SignedISO, SignedUTC string
	LogURL               string
}

// RegisterIntegrity adds the Integrity page, for readers of audit logs,
// and the banner that tells Super and Audit Log Administrators on every
// page when a witness refuses the log.
func (h *Handler) RegisterIntegrity(mux *http.ServeMux, status func(context.Context) (LogStatus, error), refusing func() int) {
	h.logStatus, h.refusing = status, refusing
	mux.HandleFunc("GET /admin/integrity", h.need(access.ViewAuditLogs, h.serve(h.showIntegrity)))
}

func (h *Handler) showIntegrity(w http.ResponseWriter, r *http.Request) (answer, error) {
	s, err := h.logStatus(r.Context())
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	v := integrityView{base: base{Title: "Integrity", Nav: "integrity"}, Log: s, LogURL: scheme + "://" + r.Host + "/log/"}
	if s.Size > 0 {
		v.SignedISO, v.SignedUTC = isoTime(s.SignedAt), utcTime(s.SignedAt)
	}
	return show("integrity", &v), nil
}
