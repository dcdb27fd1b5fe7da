// Package server assembles Logbook's HTTP surfaces, middleware and
// background parts into one running server and shuts it down gracefully.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/api"
	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/auditlog"
	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/exportjob"
	"github.com/logbookhq/logbook/internal/forward"
	"github.com/logbookhq/logbook/internal/ingest"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/live"
	"github.com/logbookhq/logbook/internal/metrics"
	"github.com/logbookhq/logbook/internal/settings"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/engine"
	"github.com/logbookhq/logbook/internal/web"
)

// Server is a running Logbook: store, ingest writer, access control and
// HTTP handler.
type Server struct {
	Store     store.Store
	Writer    *ingest.Writer
	Hub       *live.Hub
	Auth      *accounts.Service
	Jobs      *job.Service
	Scheduler *job.Scheduler
	Settings  *settings.Service
	Archive   *archive.Service
	Handler   http.Handler
	log       *slog.Logger
	opts      Options

	stopWatch     context.CancelFunc
	schedulerDone chan struct{}

	Forward     *forward.Manager // forwarders of the forwarding criteria
	Forwarding  *forward.Service // management of the forwarding criteria
	Metrics     *metrics.Metrics
	forwardDone chan struct{}

	logs *logService // the verifiable log's checkpoints and tiles
}

// Options are the server's settings beyond the store.
type Options struct {
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Auth are the access-control settings.
	Auth accounts.Options
	// ArchiveDir is where archive/purge writes local archives.
	ArchiveDir string
	// ExportDir is where export jobs write their files (default: a
	// directory under the system's temporary directory).
	ExportDir string
	// Forward are the settings of the syslog forwarders.
	Forward forward.Options
	// MetricsPublic serves /metrics to anyone (see metricsAllowed).
	MetricsPublic bool
	// SigningKey signs the verifiable log's checkpoints; when it is unset
	// a key is made in memory (and the log's checkpoints cannot be checked
	// after a restart).
	SigningKey integrity.Key
	// CheckpointInterval is the least time between two checkpoints
	// (DefaultCheckpointInterval when 0).
	CheckpointInterval time.Duration
	// Witnesses are asked to cosign every checkpoint (C2SP tlog-witness).
	Witnesses []integrity.Witness
	// LogPublic serves /log/ (tiles and checkpoints, no audit content) to
	// anyone, not only to callers who may view audit logs.
	LogPublic bool
}

// DefaultOptions are the settings when none are given.
func DefaultOptions() Options {
	return Options{Auth: accounts.DefaultOptions()}
}

// OpenStore opens the store that cfg selects.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	return engine.Open(ctx, cfg.DB, cfg.Data, engine.Options{Origin: cfg.Origin, Log: slog.Default()})
}

// New builds a server on an open store. It fails when the UI's templates
// do not parse, so that a broken build never starts serving.
func New(ctx context.Context, st store.Store, log *slog.Logger, opts Options) (*Server, error) {
	s := &Server{Store: st, log: log, Hub: live.NewHub(), opts: opts}
	s.Metrics = metrics.New(st)
	s.Writer = ingest.New(st, log, ingest.Options{OnCommitFunc: s.Hub.Publish, OnBatchFunc: s.Metrics.ObserveCommit})
	s.Settings = settings.New(st, s.Writer, opts.Auth.Now)
	rec := s.Settings.Filter(s.Writer) // Logbook's own events obey log_success
	var err error
	if s.Auth, err = accounts.New(ctx, st, rec, log, opts.Auth); err != nil {
		s.Writer.Close()
		return nil, err
	}
	s.Jobs = job.NewService(st, rec, opts.Auth.Now, "verify", archive.Kind, exportjob.Kind)
	s.Archive = archive.New(st, s.Writer, s.Jobs, archive.Options{Dir: opts.ArchiveDir, Now: opts.Auth.Now, Log: log, ProofWait: 10 * time.Second})
	// A purge a crash interrupted, and purges made before purges were
	// stated in the audit log, are stated before any new one runs.
	if err := s.Archive.Reconcile(context.Background()); err != nil {
		log.Error("error stating earlier purges; verification will name them", "error", err)
	}
	s.Settings.SetRetention(s.applyRetention)
	logs := auditlog.New(st, s.Writer, opts.Auth.Now)
	apiHandler := api.New(logs, s.Writer, s.Auth, s.Jobs, log, opts.Auth.Now)
	if opts.ExportDir == "" {
		opts.ExportDir = filepath.Join(os.TempDir(), "logbook-exports")
	}
	exports := exportjob.New(logs, s.Jobs, exportjob.Options{Dir: opts.ExportDir, Now: opts.Auth.Now, Log: log})
	handlers := map[string]job.HandlerFunc{"verify": verifyJob(st), archive.Kind: s.Archive.Handler(), exportjob.Kind: exports.Handler()}
	ui, err := web.New(logs, s.Auth, s.Jobs, s.Hub, log, opts.Auth.Now)
	if err != nil {
		s.Writer.Close()
		return nil, err
	}
	// Commits of other replicas sharing the database reach live views too.
	watch, stopWatch := context.WithCancel(context.Background())
	s.stopWatch = stopWatch
	go st.WatchCommits(watch, s.Hub.Publish)
	go s.expireSessions(watch)
	s.Scheduler = job.NewScheduler(st, rec, log, handlers, job.SchedulerOptions{Now: opts.Auth.Now})
	s.schedulerDone = make(chan struct{})
	go func() { defer close(s.schedulerDone); s.Scheduler.Run(watch) }()
	mux := http.NewServeMux()
	if err := s.startLog(ctx, watch, mux); err != nil {
		stopWatch()
		s.Writer.Close()
		return nil, err
	}
	s.startForwarding(watch, mux, ui)
	apiHandler.Register(mux)
	apiHandler.RegisterIntegrity(mux)
	api.NewExportJobs(apiHandler, exports).Register(mux)
	api.NewLifecycle(apiHandler, s.Settings, s.Archive).Register(mux)
	ui.Register(mux)
	ui.RegisterLifecycle(mux, s.Settings, s.Archive)
	ui.RegisterIntegrity(mux, s.logs.status, func() int { return len(s.logs.refusals()) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /metrics", s.serveMetrics)
	csrf := http.NewCrossOriginProtection()
	s.Handler = withMiddleware(csrf.Handler(s.withAuth(s.withCSRFToken(ui, s.recordGets(watch, rec, s.Metrics.Instrument(mux))))), log)
	return s, nil
}

// verifyJob is Logbook's integrity verification job: it recomputes the
// hash chain and fails naming the first entry that does not match.
func verifyJob(st store.Store) job.HandlerFunc {
	return func(ctx context.Context, j store.Job, report func(int)) (string, error) {
		n, head, err := store.VerifyChain(ctx, st)
		if err != nil {
			return "", err
		}
		r, err := store.VerifyLog(ctx, st)
		if err != nil {
			return "", fmt.Errorf("log broken: %w", err)
		}
		return fmt.Sprintf("verified %d entries; chain head %x; %s", n, head, r), nil
	}
}

// sessionSweep is how often stale sessions are ended and recorded.
const sessionSweep = time.Minute

func (s *Server) expireSessions(ctx context.Context) {
	tick := time.NewTicker(sessionSweep)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := s.Auth.ExpireSessions(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("error ending stale sessions", "error", err)
			}
		}
	}
}

// Close stops the writer after its pending commits and closes the store.
func (s *Server) Close() error {
	s.stopWatch()
	<-s.schedulerDone // its jobs record their end through the writer
	<-s.forwardDone
	s.Writer.Close()
	return s.Store.Close()
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully:
// it stops accepting, lets in-flight requests (and so their commits)
// finish within timeout, then drains the writer.
func (s *Server) Serve(ctx context.Context, ln net.Listener, timeout time.Duration) error {
	hs := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("error serving HTTP: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("shutdown timed out; closing open connections")
		hs.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ServeTLS is Serve over TLS with the certificate and key files given.
func (s *Server) ServeTLS(ctx context.Context, ln net.Listener, cert, key string, timeout time.Duration) error {
	c, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return fmt.Errorf("tls-cert, tls-key: %w", err)
	}
	return s.Serve(ctx, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: tls.VersionTLS12}), timeout)
}
