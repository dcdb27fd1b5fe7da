// Package cli implements the logbook command: one sub-command per file.
// Every flag can also be set through the environment as LOGBOOK_<FLAG>,
// with dashes as underscores (--shutdown-timeout: LOGBOOK_SHUTDOWN_TIMEOUT).
package cli

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/logbookhq/logbook/internal/config"
)

// Execute runs the command line and returns the process exit code.
func Execute() int {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "logbook:", err)
		return 1
	}
	return 0
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "logbook",
		Short:         "Logbook records, searches and keeps audit logs and job history",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return flagsFromEnv(cmd.Flags())
		},
	}
	root.AddCommand(newServeCmd(), newDemoCmd(), newIngestCmd(), newQueryCmd(),
		newVerifyCmd(), newBenchCmd(), newVersionCmd())
	return root
}

// flagsFromEnv sets every flag not given on the command line from its
// LOGBOOK_* environment variable, if there is one.
func flagsFromEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed || err != nil {
			return
		}
		name := "LOGBOOK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	})
	return err
}

// serverFlags binds the settings of a running server to fs.
func serverFlags(fs *pflag.FlagSet, c *config.Config) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "host:port to listen on")
	fs.StringVar(&c.Data, "data", c.Data, "data directory (holds the embedded database)")
	fs.StringVar(&c.DB, "db", c.DB, "database URL; empty for the embedded SQLite database in --data")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a graceful shutdown may take")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// clientFlags binds the address of the server a client command talks to.
func clientFlags(fs *pflag.FlagSet, server *string) {
	fs.StringVar(server, "server", "http://127.0.0.1:8080", "URL of the Logbook server")
}
