package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/query"
)

// exportBufferSize is the write buffer between the encoders and the
// connection; it is flushed after every page.
const exportBufferSize = 64 << 10

// streamFunc writes a whole answer itself, errors included: once the
// status line is out, only it knows how to end the answer.
type streamFunc func(w http.ResponseWriter, r *http.Request)

// needStream is need for a handler that streams its answer. need's wrapper
// writes a JSON value after the handler returns, which would land at the
// end of a CSV file, so the checks run here and only refusals go through
// need (which answers 401 or 403 without calling the handler).
func (h *Handler) needStream(action access.Action, prepare func(r *http.Request) (streamFunc, error)) http.HandlerFunc {
	refuse := h.need(action, func(http.ResponseWriter, *http.Request) (any, error) {
		return nil, errors.New("api: needStream and need disagree about a caller")
	})
	return func(w http.ResponseWriter, r *http.Request) {
		req := accounts.FromContext(r.Context())
		if !req.Authenticated() || !req.Subject.Can(action) {
			refuse(w, r)
			return
		}
		stream, err := prepare(r)
		if err != nil {
			h.wrap(func(http.ResponseWriter, *http.Request) (any, error) { return nil, err })(w, r)
			return
		}
		stream(w, r)
	}
}

// exportAuditLogs validates an export request and returns the function
// that streams it; a bad parameter is refused before anything is written.
// The query string is recorded with the export as the caller sent it:
// only known parameters pass validation, and none of them carries a
// credential (tokens travel in the Authorization header).
func (h *Handler) exportAuditLogs(r *http.Request) (streamFunc, error) {
	x, err := query.ParseExport(r.URL.Query(), h.now())
	if err != nil {
		return nil, err
	}
	return func(w http.ResponseWriter, r *http.Request) { h.streamExport(w, r, x, r.URL.RawQuery) }, nil
}

// streamExport writes every entry the request selects, page by page, and
// records the export in the audit log when it ends, however it ends.
func (h *Handler) streamExport(w http.ResponseWriter, r *http.Request, x query.Export, text string) {
	ctx := r.Context()
	req := accounts.FromContext(ctx)
	n, started, err := h.logs.Export(ctx, req.Scope, x, h.exportTarget(w, x))
	gone := err != nil && ctx.Err() != nil
	switch {
	case err == nil:
	case gone:
		h.log.Debug("export ended early: the client went away", "entries", n, "error", err)
	case !started:
		h.log.Error("export failed", "path", r.URL.Path, "error", err)
		writeJSON(w, http.StatusInternalServerError, &Error{Status: http.StatusInternalServerError,
			Message: "internal error; the server log has the details"})
	default:
		// The status line said 200; breaking the connection is the one way
		// left to tell the client that the file is not complete.
		h.log.Error("export failed after it began", "path", r.URL.Path, "entries", n, "error", err)
		abort(w)
	}
	if rerr := h.logs.RecordExport(context.WithoutCancel(ctx), req, x, text, n, err, gone); rerr != nil {
		h.log.Error("error recording an export in the audit log", "user", req.Subject.Name, "error", rerr)
	}
}

// exportTarget answers with the file once the export has read its first
// page (so that a database that fails at once is still answered with an
// error status), and flushes the connection after every page.
func (h *Handler) exportTarget(w http.ResponseWriter, x query.Export) auditlog.Target {
	rc := http.NewResponseController(w)
	buf := bufio.NewWriterSize(w, exportBufferSize)
	return auditlog.Target{
		Open: func() (io.Writer, error) {
			hdr := w.Header()
			hdr.Set("Content-Type", x.Format.MediaType())
			hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="logbook-audit-logs-%s.%s"`,
				h.now().UTC().Format("20060102T150405Z"), x.Format.Ext()))
			hdr.Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			return buf, nil
		},
		Flush: func(int) error {
			if err := buf.Flush(); err != nil {
				return err
			}
			if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				return err
			}
			return nil
		},
	}
}

// abort breaks the connection of a streamed answer that cannot be
// completed, so that the client reads an error instead of a clean end of
// a truncated file. Over HTTP/2, which cannot be hijacked, the answer
// simply ends; the audit log records the failure either way.
func abort(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}
