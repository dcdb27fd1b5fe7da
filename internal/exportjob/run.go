package exportjob

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

// bufferSize is the write buffer between the encoders and the file; it
// is flushed after every page.
const bufferSize = 64 << 10

// Handler runs export jobs: it writes the file and records the export in
// the audit log, however it ends.
func (s *Service) Handler() job.HandlerFunc {
	return func(ctx context.Context, j store.Job, report func(int)) (string, error) {
		p, x, text, err := readParams(j.Params, s.opts.Now())
		if err != nil {
			return "", err
		}
		s.removeOld()
		n, size, err := s.write(ctx, j.ID, p.Scope, x, report)
		req := accounts.Request{Subject: access.Subject{Name: p.User}, IP: p.IP, Scope: p.Scope}
		if rerr := s.logs.RecordExport(context.WithoutCancel(ctx), req, x, text, n, err, false); rerr != nil {
			s.opts.Log.Error("error recording an export job", "job", j.ID, "user", p.User, "error", rerr)
		}
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("Exported %d entries as %s (%s); the file is kept for %d days", n, x.Format.Label(), byteSize(size), int(Keep.Hours()/24)), nil
	}
}

// write writes the export into the job's file: under a temporary name,
// synced, then renamed, so that a download never sees half a file. It
// reports the percentage done against the listing's total (an estimate
// past the count's cap).
func (s *Service) write(ctx context.Context, id int64, scope store.Scope, x query.Export, report func(int)) (int, int64, error) {
	total, err := s.logs.Count(ctx, scope, x.Query.Filter)
	if err != nil {
		return 0, 0, err
	}
	fw := &fileWriter{dir: s.opts.Dir, total: total.About(), report: report}
	defer fw.discard()
	n, _, err := s.logs.Export(ctx, scope, x, auditlog.Target{Open: fw.open, Flush: fw.flush})
	if err != nil {
		return n, 0, err
	}
	size, err := fw.finish(s.path(id, x.Format))
	return n, size, err
}

// fileWriter is the target of an export job: a temporary file in dir,
// created when the export opens it, flushed after each page with the
// progress reported against total.
type fileWriter struct {
	dir    string
	total  int64
	report func(int)
	f      *os.File
	buf    *bufio.Writer
}

func (w *fileWriter) open() (io.Writer, error) {
	if err := os.MkdirAll(w.dir, 0o750); err != nil {
		return nil, fmt.Errorf("error creating the export directory: %w", err)
	}
	f, err := os.CreateTemp(w.dir, ".export-*")
	if err != nil {
		return nil, fmt.Errorf("error creating the export file: %w", err)
	}
	w.f, w.buf = f, bufio.NewWriterSize(f, bufferSize)
	return w.buf, nil
}

func (w *fileWriter) flush(n int) error {
	if err := w.buf.Flush(); err != nil {
		return err
	}
	if w.total > 0 {
		w.report(min(99, int(int64(n)*100/w.total)))
	}
	return nil
}

// finish syncs the file and renames it to name, returning its size.
func (w *fileWriter) finish(name string) (int64, error) {
	if err := w.f.Sync(); err != nil {
		return 0, err
	}
	info, err := w.f.Stat()
	if err != nil {
		return 0, err
	}
	if err := w.f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(w.f.Name(), name); err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// discard removes the temporary file, which after finish is gone anyway.
func (w *fileWriter) discard() {
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
	}
}

// removeOld deletes export files older than Keep. File times are the
// file system's, so they are compared with the wall clock, not the
// service's.
func (s *Service) removeOld() {
	files, _ := filepath.Glob(filepath.Join(s.opts.Dir, "logbook-export-*"))
	for _, f := range files {
		if info, err := os.Stat(f); err == nil && time.Since(info.ModTime()) > Keep {
			os.Remove(f)
		}
	}
}

// byteSize writes n bytes for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
