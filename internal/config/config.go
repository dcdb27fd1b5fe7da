// Package config holds the settings of a Logbook server. A Config is built
// by the CLI from flags and LOGBOOK_* environment variables and passed down
// explicitly; nothing reads settings from globals.
package config

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/integrity"
)

// Config is the configuration of `logbook serve` and `logbook demo`.
type Config struct {
	// Addr is the host:port the HTTP server listens on.
	Addr string
	// Data is the data directory; the SQLite database lives in it.
	Data string
	// DB selects the database engine: a postgres:// URL for PostgreSQL,
	// empty for the embedded SQLite database under Data.
	DB string
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout time.Duration
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// AdminPassword is the password of the first user, admin, created on
	// the first start; a random one is printed once when it is empty.
	AdminPassword string
	// TrustedProxies are addresses or CIDR prefixes whose X-Forwarded-For
	// header names the client.
	TrustedProxies []string
	// LockoutAfter is how many consecutive failed sign-ins lock an account.
	LockoutAfter int
	// SessionIdle and SessionMax end idle and old sessions.
	SessionIdle, SessionMax time.Duration
	// TLSCert and TLSKey, both or neither, serve HTTPS.
	TLSCert, TLSKey string
	// ArchiveDir is where archive/purge writes local archives; empty:
	// <Data>/archive.
	ArchiveDir string
	// ForwardingInterval is the time between batches of each forwarding
	// criterion (internal/forward); 0 follows the audit log settings'
	// forwarding_interval_seconds, which administrators change at run time.
	ForwardingInterval time.Duration
	// MetricsPublic serves /metrics to anyone; otherwise only to loopback
	// clients and callers allowed to read audit logs.
	MetricsPublic bool
	// Origin names the verifiable log in its checkpoints (for example
	// logbook.example.com/audit); empty keeps the name the database holds,
	// or names a new log after this host (integrity.DefaultOrigin).
	Origin string
	// SigningKey is the file of the log's signing key (a signed-note
	// Ed25519 key named after the origin); empty: <Data>/log-signing.key,
	// made at the first start.
	SigningKey string
	// CheckpointInterval is the least time between two signed checkpoints.
	CheckpointInterval time.Duration
	// LogPublic serves /log/ (tiles and checkpoints: no audit content) to
	// anyone.
	LogPublic bool
	// Witnesses are the C2SP tlog-witnesses asked to cosign each
	// checkpoint, each as URL+VKEY.
	Witnesses []string
}

// ArchiveDirectory is the archive directory in effect.
func (c Config) ArchiveDirectory() string {
	if c.ArchiveDir != "" {
		return c.ArchiveDir
	}
	return filepath.Join(c.Data, "archive")
}

// Default returns the settings used when nothing is given.
func Default() Config {
	return Config{
		Addr:               "127.0.0.1:8080",
		Data:               "./logbook-data",
		ShutdownTimeout:    30 * time.Second,
		LogLevel:           "info",
		LockoutAfter:       4,
		CheckpointInterval: time.Second,
		SessionIdle:        30 * time.Minute,
		SessionMax:         12 * time.Hour,
	}
}

// Validate reports every bad setting at once, naming each.
func (c Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("addr: %q is not host:port (for example 127.0.0.1:8080)", c.Addr))
	}
	if c.DB == "" && strings.TrimSpace(c.Data) == "" {
		errs = append(errs, errors.New("data: a data directory is required"))
	}
	if c.DB != "" && !strings.Contains(c.DB, "://") {
		errs = append(errs, errors.New("db: must be a database URL such as postgres://user@host:5432/logbook, or empty for the embedded SQLite database"))
	}
	if c.Origin != "" {
		if err := integrity.CheckOrigin(c.Origin); err != nil {
			errs = append(errs, fmt.Errorf("origin: %w", err))
		}
	}
	for _, w := range c.Witnesses {
		if _, err := integrity.ParseWitness(w); err != nil {
			errs = append(errs, fmt.Errorf("witness: %w", err))
		}
	}
	if c.CheckpointInterval < 10*time.Millisecond || c.CheckpointInterval > time.Hour {
		errs = append(errs, errors.New("checkpoint-interval: must be from 10ms to 1h"))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown-timeout: must be positive"))
	}
	if c.LockoutAfter < 1 {
		errs = append(errs, errors.New("lockout-after: must be at least 1"))
	}
	if c.SessionIdle <= 0 || c.SessionMax < c.SessionIdle {
		errs = append(errs, errors.New("session-idle, session-max: must be positive, with session-max at least session-idle"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls-cert, tls-key: give both or neither"))
	}
	if c.ForwardingInterval != 0 && (c.ForwardingInterval < 100*time.Millisecond || c.ForwardingInterval > time.Hour) {
		errs = append(errs, errors.New("forwarding-interval: must be from 100ms to 60m"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level: %q is not one of debug, info, warn, error", c.LogLevel))
	}
	return errors.Join(errs...)
}
