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
		newVerifyCmd(), newBenchCmd(), newVersionCmd(), newUserCmd(), newDomainCmd(), newTokenCmd(), newMigrateCmd(), newExportCmd(), newTailCmd(),
		newPurgeCmd())
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
	fs.StringVar(&c.AdminPassword, "admin-password", c.AdminPassword, "password of the first user, admin, on the first start (random and printed once if empty)")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "addresses or CIDR prefixes of proxies whose X-Forwarded-For is believed")
	fs.IntVar(&c.LockoutAfter, "lockout-after", c.LockoutAfter, "consecutive failed sign-ins that lock an account")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "idle time that ends a session")
	fs.DurationVar(&c.SessionMax, "session-max", c.SessionMax, "age that ends a session")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "TLS certificate file (PEM); serves HTTPS with --tls-key")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "TLS private key file (PEM)")
	fs.StringVar(&c.ArchiveDir, "archive-dir", c.ArchiveDir, "directory of local archive/purge archives (default <data>/archive)")
	fs.DurationVar(&c.ForwardingInterval, "forwarding-interval", c.ForwardingInterval, "time between batches sent to each syslog forwarding destination (100ms to 60m; default: the audit log settings' forwarding_interval_seconds)")
	fs.BoolVar(&c.MetricsPublic, "metrics-public", c.MetricsPublic, "serve /metrics to anyone, not only to loopback clients and signed-in readers")
	fs.StringVar(&c.SigningKey, "signing-key", c.SigningKey, "file of the log's checkpoint signing key (default <data>/log-signing.key, made at the first start)")
	fs.DurationVar(&c.CheckpointInterval, "checkpoint-interval", c.CheckpointInterval, "least time between two signed checkpoints of the log")
	fs.BoolVar(&c.LogPublic, "log-public", c.LogPublic, "serve /log/ (tiles and checkpoints, which hold no audit content) to anyone")
	fs.StringSliceVar(&c.Witnesses, "witness", c.Witnesses, "a C2SP tlog-witness to cosign each checkpoint, as URL+VKEY (repeatable)")
	fs.StringVar(&c.Origin, "origin", c.Origin, "name of the verifiable log in its checkpoints, such as logbook.example.com/audit (default: the name the database holds, or this host's name + /logbook for a new log)")
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// clientFlags binds the address of the server a client command talks to
// and the API token it uses.
func clientFlags(fs *pflag.FlagSet, server, token *string) {
	fs.StringVar(server, "server", "http://127.0.0.1:8080", "URL of the Logbook server")
	fs.StringVar(token, "token", "", "API token (logbook token create)")
}
