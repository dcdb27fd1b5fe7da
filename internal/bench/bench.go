// Package bench measures Logbook against the raw database it runs on, in
// one run on one machine, so that the figures are ratios that mean
// something rather than absolute times that depend on the machine:
//
//   - raw: the driver's batched-insert rate for the same rows, schema and
//     indexes (1,000 rows per transaction, one prepared INSERT);
//   - batch ingest: entries per second through the HTTP API with N
//     concurrent clients sending batches, and the acknowledgement latency
//     (the clients are a lean keep-alive HTTP/1.1 load generator, so that
//     they take as little as possible of the machine the server runs on);
//   - single-entry ingest: the same with one entry per request, where group
//     commit has to merge concurrent requests to keep up;
//   - queries: first-page latency of five filter/sort shapes and of a deep
//     page reached by keyset paging, at a given table size.
package bench

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/demo"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/engine"
)

// Options size a run.
type Options struct {
	Config        config.Config // engine selection; Data is replaced by fresh directories
	Entries       int           // entries for the raw and batch ingest phases
	Batch         int           // entries per batch request
	Clients       int           // concurrent batch clients
	SingleEntries int           // entries for the single-entry phase; 0 skips it
	SingleClients int           // concurrent single-entry clients
	QueryEntries  int           // table size for the query phase; 0 skips it
	QueryRuns     int           // repetitions of each query
	// QueryData keeps the query phase's SQLite database in this directory
	// and reuses it on the next run when it holds QueryEntries entries, so
	// that ten million entries are loaded once; "" uses a temporary one.
	QueryData string
	// QueryOnly skips the ingest phases.
	QueryOnly bool
	Out       io.Writer
}

// rawInserter is implemented by engines that offer a raw baseline.
type rawInserter interface {
	InsertRaw(ctx context.Context, entries []audit.Entry, perTx int) error
}

// Run performs every phase and prints the figures.
func Run(ctx context.Context, o Options) error {
	tmp, err := os.MkdirTemp("", "logbook-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fresh := func(name string) (store.Store, func(), error) {
		return engine.OpenFresh(ctx, o.Config.DB, tmp, name)
	}
	gen := demo.NewGenerator(1)
	now := time.Now()
	entries := gen.History(o.Entries, now, 30*24*time.Hour)
	// Job ids must name registered jobs; the bench measures audit log
	// ingest alone, so neither the raw nor the HTTP rows carry one.
	for i := range entries {
		entries[i].JobID = 0
	}
	if o.QueryOnly {
		return queryPhase(ctx, fresh, o)
	}
	fmt.Fprintf(o.Out, "logbook bench: %d entries, batches of %d, %d clients\n\n", o.Entries, o.Batch, o.Clients)

	rawRate, err := rawPhase(ctx, fresh, entries)
	if err != nil {
		return fmt.Errorf("raw phase: %w", err)
	}
	fmt.Fprintf(o.Out, "raw driver batched insert (1000 rows/tx):  %9.0f entries/s\n", rawRate)

	res, err := ingestPhase(ctx, fresh, "batch", entries, o.Batch, o.Clients)
	if err != nil {
		return fmt.Errorf("batch ingest phase: %w", err)
	}
	fmt.Fprintf(o.Out, "Logbook HTTP batch ingest:                  %9.0f entries/s  ratio %.2f  ack p50 %s p99 %s\n",
		res.rate, res.rate/rawRate, ms(res.p50), ms(res.p99))
	fmt.Fprintln(o.Out, res.writerLine())
	fmt.Fprintf(o.Out, "  acknowledged to signed checkpoint: p50 %s p99 %s (checkpoint interval %s)\n",
		ms(res.signedP50), ms(res.signedP99), server.DefaultCheckpointInterval)

	if o.SingleEntries > 0 {
		singles := gen.History(o.SingleEntries, now, time.Hour)
		for i := range singles {
			singles[i].JobID = 0
		}
		res, err := ingestPhase(ctx, fresh, "single", singles, 1, o.SingleClients)
		if err != nil {
			return fmt.Errorf("single-entry phase: %w", err)
		}
		fmt.Fprintf(o.Out, "Logbook HTTP single-entry ingest (%d clients): %6.0f entries/s  ratio %.2f  ack p50 %s p99 %s\n",
			o.SingleClients, res.rate, res.rate/rawRate, ms(res.p50), ms(res.p99))
		fmt.Fprintln(o.Out, res.writerLine())
		fmt.Fprintf(o.Out, "  acknowledged to signed checkpoint: p50 %s p99 %s\n", ms(res.signedP50), ms(res.signedP99))
	}

	if o.QueryEntries > 0 {
		if err := queryPhase(ctx, fresh, o); err != nil {
			return fmt.Errorf("query phase: %w", err)
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// freshFunc opens an empty store of the engine under test.
type freshFunc func(name string) (store.Store, func(), error)

func rawPhase(ctx context.Context, fresh freshFunc, entries []audit.Entry) (float64, error) {
	st, cleanup, err := fresh("raw")
	if err != nil {
		return 0, err
	}
	defer cleanup()
	raw, ok := st.(rawInserter)
	if !ok {
		return 0, fmt.Errorf("the engine offers no raw baseline")
	}
	rows := slices.Clone(entries)
	for i := range rows {
		rows[i].ID = int64(i + 1)
		rows[i].RecordedAt = rows[i].Timestamp
		rows[i].Source = "bench"
	}
	start := time.Now()
	if err := raw.InsertRaw(ctx, rows, 1000); err != nil {
		return 0, err
	}
	return float64(len(rows)) / time.Since(start).Seconds(), nil
}

type ingestResult struct {
	rate     float64
	p50, p99 time.Duration
	// From an acknowledgement to the first signed checkpoint that covers
	// it: p50 and p99.
	signedP50, signedP99 time.Duration
	// What the ingest writer did: transactions, mean entries and time per
	// transaction, and the share of the phase it spent committing.
	commits uint64
	perTx   float64
	txTime  time.Duration
	busy    float64
}

// writerLine describes the ingest writer's transactions of a phase.
func (r ingestResult) writerLine() string {
	return fmt.Sprintf("  group commits: %d, %.1f entries and %s each, writer busy %.0f%%",
		r.commits, r.perTx, ms(r.txTime), 100*r.busy)
}

// ingestPhase starts a server on a fresh store and posts entries through
// real HTTP connections on the loopback interface. Bodies are encoded
// before the clock starts, so the figure is the server's.
func ingestPhase(ctx context.Context, fresh freshFunc, name string, entries []audit.Entry, batch, clients int) (ingestResult, error) {
	st, cleanup, err := fresh(name)
	if err != nil {
		return ingestResult{}, err
	}
	defer cleanup()
	srv, err := server.New(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), server.DefaultOptions())
	if err != nil {
		return ingestResult{}, err
	}
	defer srv.Close()
	tok, err := srv.Auth.CreateToken(ctx, accounts.Actor{Name: "bench"}, access.Subject{},
		accounts.NewToken{Name: "bench", Scopes: []string{"ingest"}, Domains: []string{audit.RootDomain}})
	if err != nil {
		return ingestResult{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return ingestResult{}, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln, 10*time.Second) }()
	defer func() { stop(); <-served }()

	var bodies [][]byte
	for i := 0; i < len(entries); i += batch {
		var in []audit.Input
		for _, e := range entries[i:min(i+batch, len(entries))] {
			in = append(in, inputOf(e))
		}
		b, err := json.Marshal(in)
		if err != nil {
			return ingestResult{}, err
		}
		bodies = append(bodies, b)
	}
	addr := ln.Addr().String()
	watch := watchCheckpoints(sctx, srv)
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	acks := make([][]ack, clients)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lc, err := dialLoad(addr, tok.Secret)
			if err != nil {
				errs <- err
				return
			}
			defer lc.Close()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				t0 := time.Now()
				resp, err := lc.post("/api/v1/audit-logs", bodies[i])
				if err != nil {
					errs <- err
					return
				}
				now := time.Now()
				lat[w] = append(lat[w], now.Sub(t0))
				// On a fresh store ids and leaves run together from 1:
				// a checkpoint of the largest id acknowledged covers it.
				acks[w] = append(acks[w], ack{now, lastNumber(resp)})
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return ingestResult{}, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	signed := watch.latencies(slices.Concat(acks...))
	commits, committed, seconds := srv.Metrics.Commits()
	res := ingestResult{
		rate:    float64(len(entries)) / elapsed.Seconds(),
		p50:     all[len(all)/2],
		p99:     all[len(all)*99/100],
		commits: commits,
		perTx:   committed / float64(max(commits, 1)),
		txTime:  time.Duration(seconds / float64(max(commits, 1)) * float64(time.Second)),
		busy:    seconds / elapsed.Seconds(),
	}
	if len(signed) > 0 {
		res.signedP50, res.signedP99 = signed[len(signed)/2], signed[len(signed)*99/100]
	}
	return res, nil
}

// ack is an acknowledgement and the tree size that covers it.
type ack struct {
	at   time.Time
	size int64
}

// checkpointWatch records when each signed checkpoint was first seen.
type checkpointWatch struct {
	mu   sync.Mutex
	seen []ack // sizes rising
}

// watchCheckpoints notes the size the server has signed every
// millisecond until ctx ends; it reads memory, not the database, so the
// measurement costs the ingest nothing.
func watchCheckpoints(ctx context.Context, srv *server.Server) *checkpointWatch {
	w := &checkpointWatch{}
	go func() {
		for ctx.Err() == nil {
			size := srv.SignedSize()
			w.mu.Lock()
			if n := len(w.seen); n == 0 || w.seen[n-1].size < size {
				w.seen = append(w.seen, ack{time.Now(), size})
			}
			w.mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	return w
}

// latencies waits up to five seconds for checkpoints covering acks and
// returns the time from each acknowledgement to the first checkpoint that
// covers it, sorted; one never covered counts as five seconds.
func (w *checkpointWatch) latencies(acks []ack) []time.Duration {
	var need int64
	for _, a := range acks {
		need = max(need, a.size)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		w.mu.Lock()
		n := len(w.seen)
		done := n > 0 && w.seen[n-1].size >= need
		w.mu.Unlock()
		if done {
			break
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]time.Duration, 0, len(acks))
	for _, a := range acks {
		i, _ := slices.BinarySearchFunc(w.seen, a.size, func(c ack, size int64) int { return cmp.Compare(c.size, size) })
		d := 5 * time.Second
		if i < len(w.seen) {
			d = max(0, w.seen[i].at.Sub(a.at))
		}
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// loadConn is a minimal HTTP/1.1 keep-alive client, in the manner of load
// generators such as wrk: the client shares the machine with the server,
// and every cycle it spends is one the server does not get, so it does as
// little as a correct client can.
type loadConn struct {
	conn  net.Conn
	r     *bufio.Reader
	buf   []byte
	token string
}

func dialLoad(addr, token string) (*loadConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &loadConn{conn: c, r: bufio.NewReaderSize(c, 16<<10), token: token}, nil
}

func (l *loadConn) Close() error { return l.conn.Close() }

// post sends body and expects 201 Created.
func (l *loadConn) post(path string, body []byte) ([]byte, error) {
	l.buf = append(l.buf[:0], "POST "+path+" HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer "+l.token+"\r\nContent-Type: application/json\r\nContent-Length: "...)
	l.buf = strconv.AppendInt(l.buf, int64(len(body)), 10)
	l.buf = append(l.buf, "\r\n\r\n"...)
	l.buf = append(l.buf, body...)
	if _, err := l.conn.Write(l.buf); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(l.r, nil)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("ingest answered %s: %s", resp.Status, b)
	}
	return b, nil
}

// lastNumber returns the last run of digits in b as a number: the largest
// id of an ingest answer, whose ids rise.
func lastNumber(b []byte) int64 {
	end := len(b)
	for end > 0 && (b[end-1] < '0' || b[end-1] > '9') {
		end--
	}
	start := end
	for start > 0 && b[start-1] >= '0' && b[start-1] <= '9' {
		start--
	}
	n, _ := strconv.ParseInt(string(b[start:end]), 10, 64)
	return n
}

func inputOf(e audit.Entry) audit.Input {
	ts := e.Timestamp.Format(time.RFC3339Nano)
	detail, _ := json.Marshal(e.AffectedObjectDetail)
	if e.AffectedObjectDetail == "" {
		detail = nil
	}
	var job *int64
	if e.JobID != 0 {
		job = &e.JobID
	}
	return audit.Input{Timestamp: &ts, UserName: e.UserName, UserIP: e.UserIP, Domain: e.Domain,
		Application: e.Application, Workspace: e.Workspace, Task: e.Task, Result: string(e.Result),
		JobID: job, Description: e.Description, AffectedObjects: e.AffectedObjects,
		AffectedObjectDetail: detail, EventID: e.EventID}
}
