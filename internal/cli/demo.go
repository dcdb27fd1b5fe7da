package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/demo"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
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
			password := cfg.AdminPassword
			if password == "" {
				password = access.RandomPassword()
				cfg.AdminPassword = password
			}
			return runServer(cmd.Context(), cfg, func(ctx context.Context, srv *server.Server, url string) error {
				gen := demo.NewGenerator(uint64(time.Now().UnixNano()))
				fresh, err := seedAccounts(ctx, srv, password)
				if err != nil {
					return err
				}
				if err := seed(ctx, srv, gen, entries, time.Duration(days)*24*time.Hour); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "\nLogbook demo is running: %s\n", url)
				if fresh {
					fmt.Fprintf(os.Stderr, "  Sign in as admin (Super Administrator) with the password %s\n", password)
					fmt.Fprintf(os.Stderr, "  The same password opens the demo users: auditor (Audit Log Administrator, Global),\n")
					fmt.Fprintf(os.Stderr, "  emea-auditor (Audit Log Administrator, Global/EMEA), jobs (Job Administrator),\n")
					fmt.Fprintf(os.Stderr, "  useradmin (User Administrator) and operator (plain user).\n")
				} else {
					fmt.Fprintf(os.Stderr, "  Sign in with the password printed when this data directory was created\n  (or delete %s to start over).\n", cfg.Data)
				}
				fmt.Fprintf(os.Stderr, "  API: %s/api/v1/audit-logs (logbook token create, then Authorization: Bearer)\n  Stop with Ctrl-C.\n\n", url)
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

// seedAccounts creates the demo's domains and users on a new data
// directory, all with password, and reports whether it did.
func seedAccounts(ctx context.Context, srv *server.Server, password string) (bool, error) {
	if _, err := srv.Store.GetUser(ctx, "auditor"); err == nil {
		return false, nil
	}
	by := accounts.Actor{Name: "demo"}
	for _, d := range demo.Domains() {
		if d == audit.RootDomain {
			continue
		}
		if _, err := srv.Auth.CreateDomain(ctx, by, accounts.DomainView{Name: d}); err != nil {
			return false, err
		}
	}
	users := []accounts.NewUser{
		{Name: "auditor", Roles: []string{"audit-log-admin"}, Domains: []string{"Global"}},
		{Name: "emea-auditor", Roles: []string{"audit-log-admin"}, Domains: []string{"Global/EMEA"}},
		{Name: "jobs", Roles: []string{"job-admin"}, Domains: []string{"Global"}},
		{Name: "useradmin", Roles: []string{"user-admin"}, Domains: []string{"Global"}},
		{Name: "operator", Roles: []string{"user"}, Domains: []string{"Global/APAC"}},
	}
	for _, u := range users {
		u.Password = password
		if _, err := srv.Auth.CreateUser(ctx, by, u); err != nil {
			return false, err
		}
	}
	return true, nil
}

// seed records history on an empty store through the store's own append,
// so that the demo's entries are chained like any others.
func seed(ctx context.Context, srv *server.Server, gen *demo.Generator, n int, span time.Duration) error {
	n0, err := srv.Store.Count(ctx, store.AllDomains, store.Filter{}, 100)
	if err != nil || n0 > 50 || n == 0 {
		return err // history is there already (the accounts' own entries aside)
	}
	fmt.Fprintf(os.Stderr, "recording %d demo entries over %s...\n", n, span)
	now := time.Now()
	history := gen.History(n, now.Add(-time.Minute), span)
	if err := demoJobs(ctx, srv.Store, history, now); err != nil {
		return err
	}
	demoConfigChanges(gen, history, now)
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
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for {
		wait := time.Duration(rand.Int64N(int64(2 * every)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		now := time.Now()
		advanceDemoJobs(ctx, srv.Store, now, rng)
		e, errs := audit.Validate(gen.Input(), now)
		if errs != nil {
			continue
		}
		e.Source = "demo"
		es := []audit.Entry{e}
		demoConfigChanges(gen, es, now)
		if err := demoJobs(ctx, srv.Store, es, now.Add(time.Hour)); err != nil {
			continue
		}
		if e.JobID != 0 && es[0].JobID != 0 {
			// A task that schedules a job starts it a moment later.
			st := store.JobInProgress
			srv.Store.UpdateJob(ctx, es[0].JobID, func(j *store.Job) error {
				if j.State == store.JobScheduled && j.Recurrence == "" {
					j.State, j.ActualStart = st, now
				}
				return nil
			})
		}
		srv.Writer.Submit(ctx, es)
	}
}
