// Package config holds the settings of a Logbook server. A Config is built
// by the CLI from flags and LOGBOOK_* environment variables and passed down
// explicitly; nothing reads settings from globals.
package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
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
}

// Default returns the settings used when nothing is given.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		Data:            "./logbook-data",
		ShutdownTimeout: 30 * time.Second,
		LogLevel:        "info",
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
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown-timeout: must be positive"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level: %q is not one of debug, info, warn, error", c.LogLevel))
	}
	return errors.Join(errs...)
}
