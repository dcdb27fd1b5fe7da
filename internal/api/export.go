package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditcsv"
	"github.com/logbookhq/logbook/internal/auth"
	"github.com/logbookhq/logbook/internal/store"
)

// ExportPageSize is how many entries an export reads from the store at a
// time. An export holds one page and the write buffer, never the result, so
// its memory stays the same for ten entries and for ten million.
const ExportPageSize = 1000

// exportBufferSize is the write buffer between the encoders and the
// connection; it is flushed after every page.
const exportBufferSize = 64 << 10

// exportFormat is an export file format: its query value, media type and
// file name extension.
type exportFormat struct {
	name, mediaType, ext string
}

var (
	formatCSV    = exportFormat{name: "CSV", mediaType: "text/csv; charset=utf-8", ext: "csv"}
	formatNDJSON = exportFormat{name: "NDJSON", mediaType: "application/x-ndjson", ext: "ndjson"}
)

// exportRequest is a validated export: everything that can be refused with
// a 400 has been checked before the first byte of the answer.
type exportRequest struct {
	format exportFormat
	query  store.Query
	bom    bool
	tz     *time.Location // nil: no column in a local time zone
	// rawQuery is the query string as the caller sent it. Only known
	// parameters pass validation, and none of them carries a credential
	// (tokens travel in the Authorization header), so it may be recorded.
	rawQuery string
}

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
		req := auth.FromContext(r.Context())
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
func (h *Handler) exportAuditLogs(r *http.Request) (streamFunc, error) {
	x, err := parseExport(r.URL.Query())
	if err != nil {
		return nil, err
	}
	x.rawQuery = r.URL.RawQuery
	return func(w http.ResponseWriter, r *http.Request) { h.streamExport(w, r, x) }, nil
}

// parseExport reads an export's parameters: format, bom and tz, and the
// filters and sort of a listing. Without a sort an export is in id order,
// the order entries were recorded in.
func parseExport(v url.Values) (exportRequest, error) {
	x := exportRequest{format: formatCSV}
	_, given := v["format"]
	switch f := v.Get("format"); {
	case !given, f == "csv":
	case f == "ndjson":
		x.format = formatNDJSON
	default:
		return x, badRequest("format", "must be csv or ndjson")
	}
	if _, ok := v["bom"]; ok {
		b, err := strconv.ParseBool(v.Get("bom"))
		if err != nil {
			return x, badRequest("bom", "must be true or false")
		}
		if b && x.format != formatCSV {
			return x, badRequest("bom", "applies only to format=csv")
		}
		x.bom = b
	}
	if _, ok := v["tz"]; ok {
		name := v.Get("tz")
		loc, err := time.LoadLocation(name)
		if err != nil || name == "" || name == "Local" {
			return x, badRequest("tz", "must be an IANA time zone such as Europe/Berlin")
		}
		if x.format != formatCSV {
			return x, badRequest("tz", "applies only to format=csv; NDJSON timestamps are UTC")
		}
		x.tz = loc
	}
	filters := url.Values{}
	for name, vals := range v {
		switch name {
		case "format", "bom", "tz":
		case "limit", "cursor":
			return x, badRequest(name, "does not apply to an export, which holds every matching entry")
		default:
			filters[name] = vals
		}
	}
	q, err := ParseQuery(filters)
	if err != nil {
		return x, err
	}
	if filters.Get("sort") == "" {
		q.Sort = store.Sort{Field: store.SortID}
	}
	q.Limit = ExportPageSize
	x.query = q
	return x, nil
}

// streamExport writes every entry the request selects, page by page, and
// records the export in the audit log when it ends, however it ends.
func (h *Handler) streamExport(w http.ResponseWriter, r *http.Request, x exportRequest) {
	ctx := r.Context()
	n, started, err := h.writeExport(ctx, w, x)
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
	h.recordExport(context.WithoutCancel(ctx), auth.FromContext(ctx), x, n, err, gone)
}

// writeExport streams the export and returns how many entries it wrote and
// whether the answer had begun when it stopped. The first page is read
// before anything is written, so that a database that fails at once is
// still answered with an error status.
func (h *Handler) writeExport(ctx context.Context, w http.ResponseWriter, x exportRequest) (n int, started bool, err error) {
	// The export holds the entries stored when it began: under a sort other
	// than by id, an entry stored meanwhile could otherwise land before or
	// after the part already written.
	last, _, err := h.store.Head(ctx)
	if err != nil {
		return 0, false, err
	}
	scope := auth.FromContext(ctx).Scope
	page, err := h.store.List(ctx, scope, x.query)
	if err != nil {
		return 0, false, err
	}
	hdr := w.Header()
	hdr.Set("Content-Type", x.format.mediaType)
	hdr.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="logbook-audit-logs-%s.%s"`,
		h.now().UTC().Format("20060102T150405Z"), x.format.ext))
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	buf := bufio.NewWriterSize(w, exportBufferSize)
	n, err = h.exportPages(ctx, scope, x, page, last, buf, func() error {
		if err := buf.Flush(); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return nil
	}, nil)
	return n, true, err
}

// exportPages writes the entries of page and the pages after it, up to
// the entry last, and calls flush after each page and progress with the
// entries written so far.
func (h *Handler) exportPages(ctx context.Context, scope store.Scope, x exportRequest, page store.Page, last int64,
	w io.Writer, flush func() error, progress func(n int)) (n int, err error) {
	q := x.query
	enc := newEntryEncoder(w, x)
	if err := enc.begin(); err != nil {
		return 0, err
	}
	for {
		for i := range page.Entries {
			e := &page.Entries[i]
			if e.ID > last {
				continue
			}
			if err := enc.encode(e); err != nil {
				return n, err
			}
			n++
		}
		if err := enc.flush(); err != nil {
			return n, err
		}
		if err := flush(); err != nil {
			return n, err
		}
		if progress != nil {
			progress(n)
		}
		if page.Next == nil || (q.Sort == store.Sort{Field: store.SortID} && page.Entries[len(page.Entries)-1].ID >= last) {
			return n, nil
		}
		q.After = page.Next
		if page, err = h.store.List(ctx, scope, q); err != nil {
			return n, err
		}
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

// recordExport writes the audit log entry of an export. ctx must outlive
// the request: a client that went away is recorded too.
func (h *Handler) recordExport(ctx context.Context, req auth.Request, x exportRequest, n int, err error, gone bool) {
	filters := x.rawQuery
	if filters == "" {
		filters = "(none)"
	}
	result := audit.ResultSuccess
	desc := fmt.Sprintf("User %s exported %d audit log entries as %s. Query: %s", req.Subject.Name, n, x.format.name, filters)
	if err != nil {
		result = audit.ResultFailure
		why := "an internal error"
		if gone {
			why = "the client went away"
		}
		desc = fmt.Sprintf("Export of audit log entries as %s by user %s failed after %d entries: %s. Query: %s",
			x.format.name, req.Subject.Name, n, why, filters)
	}
	detail, _ := json.Marshal(map[string]any{"format": strings.ToLower(x.format.name), "query": x.rawQuery, "entries": n})
	e := audit.Entry{
		Timestamp:            h.now().UTC().Truncate(time.Microsecond),
		UserName:             req.Subject.Name,
		UserIP:               req.IP,
		Domain:               audit.RootDomain,
		Application:          "Logbook",
		Workspace:            "Audit Logs",
		Task:                 "Export Audit Logs",
		Result:               result,
		Description:          truncate(desc, audit.MaxDescriptionLen),
		AffectedObjectDetail: string(detail),
		Source:               "logbook",
	}
	if len(e.AffectedObjectDetail) > audit.MaxDetailLen {
		e.AffectedObjectDetail = ""
	}
	if _, err := h.writer.Submit(ctx, []audit.Entry{e}); err != nil {
		h.log.Error("error recording an export in the audit log", "user", req.Subject.Name, "error", err)
	}
}

// truncate cuts s to at most max bytes without splitting a character,
// marking the cut with an ellipsis.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "…"
	s = s[:max-len(mark)]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + mark
}

// entryEncoder writes entries in one export format.
type entryEncoder interface {
	begin() error // what comes before the first entry (BOM, header row)
	encode(e *audit.Entry) error
	flush() error
}

func newEntryEncoder(w io.Writer, x exportRequest) entryEncoder {
	if x.format == formatNDJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(true)
		return ndjsonEncoder{enc}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 line ends, which every spreadsheet reads
	return &csvEncoder{w: w, cw: cw, bom: x.bom, tz: x.tz}
}

// ndjsonEncoder writes each entry's API JSON on a line of its own.
type ndjsonEncoder struct{ enc *json.Encoder }

func (ndjsonEncoder) begin() error                  { return nil }
func (n ndjsonEncoder) encode(e *audit.Entry) error { return n.enc.Encode(e) }
func (ndjsonEncoder) flush() error                  { return nil }

// csvEncoder writes a spreadsheet: a header row, then one row per entry,
// every cell safe to open (see neutralize).
type csvEncoder struct {
	w   io.Writer
	cw  *csv.Writer
	bom bool
	tz  *time.Location
	row []string // reused for every record
}

func (c *csvEncoder) begin() error {
	if c.bom {
		// Excel reads a CSV file as UTF-8 only when it starts with a BOM.
		if _, err := io.WriteString(c.w, "\uFEFF"); err != nil {
			return err
		}
	}
	return c.cw.Write(csvHeader(c.tz))
}

func (c *csvEncoder) encode(e *audit.Entry) error {
	c.row = auditcsv.Row(c.row, e, c.tz)
	return c.cw.Write(c.row)
}

func (c *csvEncoder) flush() error {
	c.cw.Flush()
	return c.cw.Error()
}

// csvHeader names the columns of a CSV export (auditcsv.Header).
func csvHeader(tz *time.Location) []string { return auditcsv.Header(tz) }
