package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/demo"
	"github.com/logbookhq/logbook/internal/server"
)

func newDemoCmd() *cobra.Command {
	cfg := config.Default()
	cfg.Data = "./logbook-demo-data"
	var entries, days int
	var trickle time.Duration
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the server with realistic demo data and live activity",
		Long: `Run the Logbook server on a demo database.

On an empty data directory it first records --entries realistic audit log
entries spread over the last --days days (users, client IPs, domains,
applications, workspaces, tasks, results, jobs and affected objects of a
network management platform), then keeps adding live activity every
--trickle until it is stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if entries < 0 || days < 1 {
				return fmt.Errorf("entries must not be negative and days must be positive")
			}
			return runServer(cmd.Context(), cfg, func(ctx context.Context, srv *server.Server, url string) error {
				gen := demo.NewGenerator(uint64(time.Now().UnixNano()))
				if err := seed(ctx, srv, gen, entries, time.Duration(days)*24*time.Hour); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "\nLogbook demo is running: %s\n  API: %s/api/v1/audit-logs\n  Stop with Ctrl-C.\n\n", url, url)
				if trickle > 0 {
					go liveActivity(ctx, srv, gen, trickle)
				}
				return nil
			})
		},
	}
	serverFlags(cmd.Flags(), &cfg)
	cmd.Flags().IntVar(&entries, "entries", 100000, "entries to record on an empty data directory")
	cmd.Flags().IntVar(&days, "days", 90, "days of history the entries span")
	cmd.Flags().DurationVar(&trickle, "trickle", 3*time.Second, "mean interval of live activity (0 for none)")
	return cmd
}

// seed records history on an empty store through the store's own append,
// so that the demo's entries are chained like any others.
func seed(ctx context.Context, srv *server.Server, gen *demo.Generator, n int, span time.Duration) error {
	head, _, err := srv.Store.Head(ctx)
	if err != nil || head > 0 || n == 0 {
		return err
	}
	fmt.Fprintf(os.Stderr, "recording %d demo entries over %s...\n", n, span)
	history := gen.History(n, time.Now().Add(-time.Minute), span)
	for i := 0; i < len(history); i += 5000 {
		batch := history[i:min(i+5000, len(history))]
		for j := range batch {
			batch[j].Source = "demo"
		}
		if _, err := srv.Store.Append(ctx, batch); err != nil {
			return fmt.Errorf("error recording demo entries: %w", err)
		}
	}
	return nil
}

// liveActivity submits an entry now and then through the ingest writer,
// as an application reporting its users' tasks would.
func liveActivity(ctx context.Context, srv *server.Server, gen *demo.Generator, every time.Duration) {
	for {
		wait := time.Duration(rand.Int64N(int64(2 * every)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		e, errs := audit.Validate(gen.Input(), time.Now())
		if errs != nil {
			continue
		}
		e.Source = "demo"
		srv.Writer.Submit(ctx, []audit.Entry{e})
	}
}
