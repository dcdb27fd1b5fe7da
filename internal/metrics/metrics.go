// Package metrics exposes Logbook's Prometheus metrics: ingest (entries,
// transaction sizes, commit latency), HTTP request latency per route
// pattern, the state of every forwarding destination and job counts by
// state. Everything lives in a registry of its own, so that two servers
// in one process (tests) never share a counter.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/logbookhq/logbook/internal/store"
)

// Metrics holds the registry and the instruments the server feeds.
type Metrics struct {
	reg *prometheus.Registry

	ingested      prometheus.Counter
	commitErrors  prometheus.Counter
	batchEntries  prometheus.Histogram
	commitSeconds prometheus.Histogram
	httpSeconds   *prometheus.HistogramVec
}

// ForwardingStatus is what the metrics show of one forwarding criterion.
// It is labelled by the criterion's id only: /metrics may be served to
// loopback clients, read tokens of any domain and, with --metrics-public,
// anyone, while a criterion's name, receiver and last error are for the
// administrators of its domains (the API, the admin page, /readyz).
type ForwardingStatus struct {
	ID           int64
	Enabled      bool
	Backlog      int
	LastSuccess  time.Time
	LastErrorAt  time.Time
	Failing      bool
	LastDelivery int64
}

// New returns the metrics of a server on st. The job and forwarding
// gauges are read from the store when scraped; forwarding is nil until
// SetForwarding.
func New(st store.Store) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.ingested = prometheus.NewCounter(prometheus.CounterOpts{Name: "logbook_ingest_entries_total",
		Help: "Audit log entries committed by the ingest writer; rate() of it is the ingest rate."})
	m.commitErrors = prometheus.NewCounter(prometheus.CounterOpts{Name: "logbook_ingest_commit_errors_total",
		Help: "Ingest transactions that failed."})
	m.batchEntries = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "logbook_ingest_batch_entries",
		Help: "Entries per ingest transaction (group commit).", Buckets: prometheus.ExponentialBuckets(1, 4, 8)})
	m.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "logbook_ingest_commit_seconds",
		Help: "Time to commit one ingest transaction durably.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.httpSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "logbook_http_request_seconds",
		Help: "HTTP request latency by route pattern, method and status code (queries included).", Buckets: prometheus.DefBuckets},
		[]string{"route", "code"})
	m.reg.MustRegister(m.ingested, m.commitErrors, m.batchEntries, m.commitSeconds, m.httpSeconds,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&jobCollector{st: st})
	return m
}

// SetForwarding registers the forwarding gauges, read with status on
// every scrape.
func (m *Metrics) SetForwarding(status func(context.Context) ([]ForwardingStatus, error)) {
	m.reg.MustRegister(&forwardCollector{status: status})
}

// ObserveCommit records one ingest transaction; it is the ingest
// writer's OnBatchFunc.
func (m *Metrics) ObserveCommit(entries int, took time.Duration, err error) {
	if err != nil {
		m.commitErrors.Inc()
		return
	}
	m.ingested.Add(float64(entries))
	m.batchEntries.Observe(float64(entries))
	m.commitSeconds.Observe(took.Seconds())
}

// Commits sums the ingest transactions observed so far: how many, the
// entries they held and the seconds they took (logbook bench reports
// them).
func (m *Metrics) Commits() (n uint64, entries, seconds float64) {
	var sizes, times dto.Metric
	m.batchEntries.Write(&sizes)
	m.commitSeconds.Write(&times)
	return sizes.GetHistogram().GetSampleCount(), sizes.GetHistogram().GetSampleSum(), times.GetHistogram().GetSampleSum()
}

// Instrument wraps the server's mux: every request's latency is recorded
// under the pattern of the route that served it (never the raw path, so
// ids do not make new series).
func (m *Metrics) Instrument(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &codeRecorder{ResponseWriter: w, code: http.StatusOK}
		mux.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.httpSeconds.WithLabelValues(route, strconv.Itoa(rec.code)).Observe(time.Since(start).Seconds())
	})
}

// Handler serves the exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

type codeRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (c *codeRecorder) WriteHeader(code int) {
	if !c.wrote {
		c.code, c.wrote = code, true
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *codeRecorder) Write(b []byte) (int, error) {
	c.wrote = true
	return c.ResponseWriter.Write(b)
}

// Flush lets streamed answers through.
func (c *codeRecorder) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *codeRecorder) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

var jobsDesc = prometheus.NewDesc("logbook_jobs", "Jobs by state, top-level jobs and occurrences (counted up to 10000 per state).", []string{"state"}, nil)

// jobCollector counts jobs by state when scraped: one capped count per
// state through the job listing.
type jobCollector struct{ st store.Store }

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

// maxJobCount caps each state's count, so a scrape stays cheap: a few
// keyset pages of the job list per state.
const maxJobCount = 10000

// countJobs counts the jobs in state, up to limit.
func countJobs(ctx context.Context, st store.Store, state string, limit int) (int, error) {
	q := store.JobQuery{Filter: store.JobFilter{State: []string{state}}, Sort: store.JobSort{Field: store.JobSortID}, Limit: 1000}
	n := 0
	for n < limit {
		p, err := st.ListJobs(ctx, store.AllDomains, q)
		if err != nil {
			return 0, err
		}
		n += len(p.Jobs)
		if p.Next == nil {
			break
		}
		q.After = p.Next
	}
	return n, nil
}

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	for _, state := range []string{store.JobScheduled, store.JobInProgress, store.JobSuccess, store.JobFailure, store.JobCanceled} {
		n, err := countJobs(ctx, c.st, state, maxJobCount)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(jobsDesc, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), state)
	}
}

// The forwarding gauges; their criterion label is the criterion's id, as
// in /api/v1/forwarding-criteria/{id}.
var (
	fwdBacklog = prometheus.NewDesc("logbook_forwarding_backlog_entries",
		"Entries a forwarding criterion selects that wait for delivery (counted up to 100000).", []string{"criterion"}, nil)
	fwdSuccess = prometheus.NewDesc("logbook_forwarding_last_success_timestamp_seconds",
		"When a batch of the criterion was last delivered (0: never).", []string{"criterion"}, nil)
	fwdError = prometheus.NewDesc("logbook_forwarding_last_error_timestamp_seconds",
		"When delivery of the criterion last failed (0: never).", []string{"criterion"}, nil)
	fwdFailing = prometheus.NewDesc("logbook_forwarding_failing",
		"1 while the last delivery attempt of the criterion failed.", []string{"criterion"}, nil)
	fwdCursor = prometheus.NewDesc("logbook_forwarding_last_delivered_id",
		"The durable cursor of the criterion: the id of the last entry delivered.", []string{"criterion"}, nil)
	fwdEnabled = prometheus.NewDesc("logbook_forwarding_enabled", "1 when the criterion is enabled.", []string{"criterion"}, nil)
)

type forwardCollector struct {
	status func(context.Context) ([]ForwardingStatus, error)
}

func (c *forwardCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{fwdBacklog, fwdSuccess, fwdError, fwdFailing, fwdCursor, fwdEnabled} {
		ch <- d
	}
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMicro()) / 1e6
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *forwardCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	ss, err := c.status(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(fwdBacklog, err)
		return
	}
	for _, s := range ss {
		id := strconv.FormatInt(s.ID, 10)
		ch <- prometheus.MustNewConstMetric(fwdBacklog, prometheus.GaugeValue, float64(s.Backlog), id)
		ch <- prometheus.MustNewConstMetric(fwdSuccess, prometheus.GaugeValue, unix(s.LastSuccess), id)
		ch <- prometheus.MustNewConstMetric(fwdError, prometheus.GaugeValue, unix(s.LastErrorAt), id)
		ch <- prometheus.MustNewConstMetric(fwdFailing, prometheus.GaugeValue, boolValue(s.Failing), id)
		ch <- prometheus.MustNewConstMetric(fwdCursor, prometheus.GaugeValue, float64(s.LastDelivery), id)
		ch <- prometheus.MustNewConstMetric(fwdEnabled, prometheus.GaugeValue, boolValue(s.Enabled), id)
	}
}

// SetLog registers the verifiable log's gauges, read on every scrape:
// the size of the newest signed checkpoint, and how many witnesses refuse
// the log (a rollback or fork they saw; the witnesses' addresses are in
// /readyz, for readers of audit logs).
func (m *Metrics) SetLog(signed func() int64, refusing func() int) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "logbook_log_checkpoint_size",
			Help: "Entries in the newest signed checkpoint of the verifiable log."}, func() float64 { return float64(signed()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "logbook_log_witnesses_refusing",
			Help: "Witnesses that refuse the log's checkpoints (they saw a larger or different tree); 0 when all is well."},
			func() float64 { return float64(refusing()) }))
}
