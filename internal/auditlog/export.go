package auditlog

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditcsv"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

// ExportPageSize is how many entries an export reads from the store at a
// time. An export holds one page and the caller's write buffer, never the
// result, so its memory stays the same for ten entries and for ten
// million.
const ExportPageSize = 1000

// Target is where an export goes: an HTTP answer, a job's file.
type Target struct {
	// Open returns the writer the export is written to. It is called once
	// the first page has been read, so that a store that fails at once
	// fails before anything is written (an HTTP answer can still say so).
	Open func() (io.Writer, error)
	// Flush is called after each page with the entries written so far;
	// the export stops when it fails.
	Flush func(n int) error
}

// Export writes every entry x selects in scope to t, page by page, and
// returns how many it wrote and whether t was opened. It holds the
// entries stored when it began: under a sort other than by id, an entry
// stored meanwhile could otherwise land before or after the part already
// written.
func (s *Service) Export(ctx context.Context, scope store.Scope, x query.Export, t Target) (n int, opened bool, err error) {
	last, err := s.Head(ctx)
	if err != nil {
		return 0, false, err
	}
	q := x.Query
	q.Limit, q.After = ExportPageSize, nil
	page, err := s.st.List(ctx, scope, q)
	if err != nil {
		return 0, false, err
	}
	w, err := t.Open()
	if err != nil {
		return 0, false, err
	}
	enc := newEncoder(w, x)
	if err := enc.begin(); err != nil {
		return 0, true, err
	}
	for {
		for i := range page.Entries {
			e := &page.Entries[i]
			if e.ID > last {
				continue
			}
			if err := enc.encode(e); err != nil {
				return n, true, err
			}
			n++
		}
		if err := enc.flush(); err != nil {
			return n, true, err
		}
		if err := t.Flush(n); err != nil {
			return n, true, err
		}
		if page.Next == nil || (q.Sort == store.Sort{Field: store.SortID} && page.Entries[len(page.Entries)-1].ID >= last) {
			return n, true, nil
		}
		q.After = page.Next
		if page, err = s.st.List(ctx, scope, q); err != nil {
			return n, true, err
		}
	}
}

// RecordExport writes the audit log entry of an export by req: how many
// entries it wrote in which format, of the query text (the parameters as
// the caller gave them, "" for none), and whether it failed and, with
// gone, because the client went away. ctx must outlive the request: a
// client that went away is recorded too.
func (s *Service) RecordExport(ctx context.Context, req accounts.Request, x query.Export, text string, n int, failed error, gone bool) error {
	filters := text
	if filters == "" {
		filters = "(none)"
	}
	name := x.Format.Label()
	result := audit.ResultSuccess
	desc := fmt.Sprintf("User %s exported %d audit log entries as %s. Query: %s", req.Subject.Name, n, name, filters)
	if failed != nil {
		result = audit.ResultFailure
		why := "an internal error"
		if gone {
			why = "the client went away"
		}
		desc = fmt.Sprintf("Export of audit log entries as %s by user %s failed after %d entries: %s. Query: %s",
			name, req.Subject.Name, n, why, filters)
	}
	detail, _ := json.Marshal(map[string]any{"format": strings.ToLower(name), "query": text, "entries": n})
	e := audit.Entry{
		Timestamp:            s.now().UTC().Truncate(time.Microsecond),
		UserName:             req.Subject.Name,
		UserIP:               req.IP,
		Domain:               audit.RootDomain,
		Application:          "Logbook",
		Workspace:            "Audit Logs",
		Task:                 "Export Audit Logs",
		Result:               result,
		Description:          Truncate(desc, audit.MaxDescriptionLen),
		AffectedObjectDetail: string(detail),
		Source:               "logbook",
	}
	if len(e.AffectedObjectDetail) > audit.MaxDetailLen {
		e.AffectedObjectDetail = ""
	}
	if _, err := s.rec.Submit(ctx, []audit.Entry{e}); err != nil {
		return fmt.Errorf("error recording an export in the audit log: %w", err)
	}
	return nil
}

// Truncate cuts s to at most max bytes without splitting a character,
// marking the cut with an ellipsis.
func Truncate(s string, max int) string {
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

// encoder writes entries in one export format.
type encoder interface {
	begin() error // what comes before the first entry (BOM, header row)
	encode(e *audit.Entry) error
	flush() error
}

func newEncoder(w io.Writer, x query.Export) encoder {
	if x.Format == query.NDJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(true)
		return ndjsonEncoder{enc}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 line ends, which every spreadsheet reads
	return &csvEncoder{w: w, cw: cw, bom: x.BOM, tz: x.TZ}
}

// ndjsonEncoder writes each entry's API JSON on a line of its own.
type ndjsonEncoder struct{ enc *json.Encoder }

func (ndjsonEncoder) begin() error                  { return nil }
func (n ndjsonEncoder) encode(e *audit.Entry) error { return n.enc.Encode(e) }
func (ndjsonEncoder) flush() error                  { return nil }

// csvEncoder writes a spreadsheet: a header row, then one row per entry,
// every cell safe to open (auditcsv).
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
	return c.cw.Write(auditcsv.Header(c.tz))
}

func (c *csvEncoder) encode(e *audit.Entry) error {
	c.row = auditcsv.Row(c.row, e, c.tz)
	return c.cw.Write(c.row)
}

func (c *csvEncoder) flush() error {
	c.cw.Flush()
	return c.cw.Error()
}
