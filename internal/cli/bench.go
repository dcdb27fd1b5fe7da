package cli

import (
	"errors"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/bench"
	"github.com/logbookhq/logbook/internal/config"
)

func newBenchCmd() *cobra.Command {
	o := bench.Options{Config: config.Default()}
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure ingest and query against the raw database, in one run",
		Long: `Measure Logbook against the raw database it runs on.

Prints the raw driver's batched-insert rate for the same rows and indexes,
Logbook's ingest rate through its HTTP API with concurrent clients (batches,
then single entries), their ratios and the acknowledgement latencies, and the
first-page latency of five filter/sort shapes at --query-entries entries.
Everything runs on fresh temporary databases.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Entries < 1 || o.Batch < 1 || o.Batch > 1000 || o.Clients < 1 || o.SingleClients < 1 || o.QueryRuns < 1 {
				return errors.New("entries, batch (1-1000), clients, single-clients and query-runs must be positive")
			}
			if o.QueryEntries < 0 {
				o.QueryEntries = max(o.Entries, 1000000)
			}
			o.Out = cmd.OutOrStdout()
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			return bench.Run(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Config.DB, "db", "", "database URL; empty for the embedded SQLite database")
	fs.IntVar(&o.Entries, "entries", 100000, "entries for the raw and batch ingest phases")
	fs.IntVar(&o.Batch, "batch", 500, "entries per batch request")
	fs.IntVar(&o.Clients, "clients", 8, "concurrent batch clients")
	fs.IntVar(&o.SingleEntries, "single-entries", 50000, "entries for the single-entry phase (0 skips it)")
	fs.IntVar(&o.SingleClients, "single-clients", 64, "concurrent single-entry clients")
	fs.IntVar(&o.QueryEntries, "query-entries", -1, "table size for the query phase (0 skips it; default: --entries, at least 1000000)")
	fs.IntVar(&o.QueryRuns, "query-runs", 200, "repetitions of each query")
	fs.StringVar(&o.QueryData, "query-data", "", "keep the query phase's SQLite database in this directory and reuse it")
	fs.BoolVar(&o.QueryOnly, "query-only", false, "run only the query phase")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server and load generator) to this file")
	return cmd
}
