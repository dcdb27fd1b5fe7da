package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/settings"
)

// getQueue bounds the GET requests waiting to be recorded. A request is
// never slowed down by its record: when the queue is full (the database
// cannot keep up), records are dropped and the drop is logged.
const getQueue = 4096

// recordGets records authenticated GET requests to /api/v1 as audit log
// entries while the record_http_get setting is on. The entries go through
// the ingest writer from a goroutine of their own, so a request does not
// wait for their commit; rec applies the log_success setting to them.
func (s *Server) recordGets(ctx context.Context, rec settings.Recorder, next http.Handler) http.Handler {
	queue := make(chan audit.Entry, getQueue)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-queue:
				batch := []audit.Entry{e}
				for len(batch) < 256 {
					select {
					case e := <-queue:
						batch = append(batch, e)
						continue
					default:
					}
					break
				}
				if _, err := rec.Submit(context.WithoutCancel(ctx), batch); err != nil {
					s.log.Error("error recording GET requests", "entries", len(batch), "error", err)
				}
			}
		}
	}()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		req := accounts.FromContext(r.Context())
		set, err := s.Settings.Get(r.Context())
		if !req.Authenticated() || err != nil || !set.RecordHTTPGet {
			next.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		result := audit.ResultSuccess
		if sw.status >= 400 {
			result = audit.ResultFailure
		}
		domain := audit.RootDomain
		if len(req.Subject.Domains) > 0 {
			domain = req.Subject.Domains[0]
		}
		target := r.URL.Path
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		desc := "GET " + target + " answered " + http.StatusText(sw.status)
		if len(desc) > audit.MaxDescriptionLen {
			desc = strings.ToValidUTF8(desc[:audit.MaxDescriptionLen], "")
		}
		e := audit.Entry{Timestamp: s.now().UTC().Truncate(time.Microsecond), UserName: req.Subject.Name, UserIP: req.IP,
			Domain: domain, Application: "REST", Workspace: "API", Task: "REST GET", Result: result,
			Description: desc, Source: "logbook"}
		select {
		case queue <- e:
		default:
			s.log.Warn("dropped the audit record of a GET request: the queue is full", "path", r.URL.Path, "user", req.Subject.Name)
		}
	})
}

// statusWriter remembers the status of an answer. Unwrap lets
// http.ResponseController reach the connection (streamed exports flush).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
