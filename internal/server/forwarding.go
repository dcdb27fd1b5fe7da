package server

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/api"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/metrics"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/web"
)

// startForwarding starts the forwarders of the forwarding criteria (until
// ctx ends) and registers their API and metrics.
func (s *Server) startForwarding(ctx context.Context, mux *http.ServeMux, ui *web.Handler) {
	opts := s.opts.Forward
	if opts.IntervalFunc == nil {
		// The audit log settings, which administrators change at run time.
		opts.IntervalFunc = func() time.Duration {
			v, err := s.Settings.Get(ctx)
			if err != nil {
				return 0 // the forwarder's default
			}
			return time.Duration(v.ForwardingIntervalSeconds) * time.Second
		}
	}
	if opts.Hostname == "" {
		opts.Hostname, _ = os.Hostname()
	}
	s.Forward = forward.New(s.Store, s.log.With("component", "forward"), opts)
	s.Forwarding = forward.NewService(s.Store, s.Auth, s.Forward, s.opts.Auth.Now)
	s.forwardDone = make(chan struct{})
	go func() { defer close(s.forwardDone); s.Forward.Run(ctx) }()
	api.NewForwarding(s.Forwarding, s.log).Register(mux)
	ui.RegisterForwarding(mux, s.Forwarding)
	s.Metrics.SetForwarding(func(ctx context.Context) ([]metrics.ForwardingStatus, error) {
		vs, err := s.Forwarding.List(ctx, allScope)
		if err != nil {
			return nil, err
		}
		out := make([]metrics.ForwardingStatus, len(vs))
		for i, v := range vs {
			out[i] = metrics.ForwardingStatus{ID: v.ID, Enabled: v.Enabled, Backlog: v.Backlog, Failing: v.Failing(),
				LastDelivery: v.LastDeliveredID}
			out[i].LastSuccess, _ = time.Parse(time.RFC3339Nano, v.LastSuccess)
			out[i].LastErrorAt, _ = time.Parse(time.RFC3339Nano, v.LastErrorAt)
		}
		return out, nil
	})
}

// readyz answers 200 while the database answers, 503 otherwise. Anyone
// (a load balancer) gets only "ready" or "not ready". A caller that may
// manage forwarding (an Audit Log Administrator, a Super Administrator,
// an admin token) gets, after "ready" (or why not), one line per
// forwarding criterion within its domains,
//
//	forwarding "siem": ok, last success 2026-11-25T22:31:34.123456Z, backlog 0
//	forwarding "soc": failing since 2026-11-25T22:30:01.000000Z, backlog 1200: error connecting to ...
//	forwarding "old": disabled
//
// since names, receivers and errors are what only they see in the API.
// A failing destination does not make Logbook unready — the load balancer
// would take away the replica that records the entries still to be sent —
// but monitoring that reads the body, or /metrics, sees it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	req := accounts.FromContext(r.Context())
	detail := req.Subject.Can(access.ManageForwarding)
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "error", err)
		msg := "not ready"
		if detail {
			msg = "not ready: database unavailable"
		}
		http.Error(w, msg, http.StatusServiceUnavailable)
		return
	}
	// Who may read audit logs or manage forwarding sees the details: a
	// witness that refuses the log (degraded: Logbook keeps recording)
	// and the state of each forwarding criterion.
	if !detail && !req.Subject.Can(access.ViewAuditLogs) {
		fmt.Fprintln(w, "ready")
		return
	}
	var b strings.Builder
	refused := s.logs.refusals()
	if len(refused) > 0 {
		b.WriteString("ready, degraded\n")
		for _, url := range slices.Sorted(maps.Keys(refused)) {
			fmt.Fprintf(&b, "witness %s: refuses the log: %s\n", url, oneLine(refused[url].Error()))
		}
	} else {
		b.WriteString("ready\n")
	}
	if detail {
		s.forwardingReadiness(ctx, &b, req)
	}
	fmt.Fprint(w, b.String())
}

// forwardingReadiness adds a line per forwarding criterion to b.
func (s *Server) forwardingReadiness(ctx context.Context, b *strings.Builder, req accounts.Request) {
	vs, err := s.Forwarding.List(ctx, req.Scope)
	if err != nil {
		s.log.Warn("readiness check could not read forwarding criteria", "error", err)
		b.WriteString("forwarding: status unavailable\n")
		return
	}
	for _, v := range vs {
		name := fmt.Sprintf("%q", v.Name)
		switch {
		case !v.Enabled:
			fmt.Fprintf(b, "forwarding %s: disabled\n", name)
		case v.Failing():
			fmt.Fprintf(b, "forwarding %s: failing since %s, backlog %d: %s\n", name, v.FailingSince, v.Backlog, oneLine(v.LastError))
		default:
			last := v.LastSuccess
			if last == "" {
				last = "never"
			}
			fmt.Fprintf(b, "forwarding %s: ok, last success %s, backlog %d\n", name, last, v.Backlog)
		}
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// serveMetrics serves /metrics to loopback clients that came through no
// proxy, to signed-in users and tokens allowed to read audit logs, and to
// anyone with --metrics-public.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if !s.metricsAllowed(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Logbook"`)
		http.Error(w, "metrics need a loopback client, an API token with the read or admin scope, or --metrics-public", http.StatusUnauthorized)
		return
	}
	s.Metrics.Handler().ServeHTTP(w, r)
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	if s.opts.MetricsPublic || accounts.FromContext(r.Context()).Subject.Can(access.ViewAuditLogs) {
		return true
	}
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// allScope sees every criterion: the metrics report them all (by id).
var allScope = store.AllDomains
