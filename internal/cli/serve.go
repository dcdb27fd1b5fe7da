package cli

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
)

func newServeCmd() *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Logbook server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServer(cmd.Context(), cfg, nil)
		},
	}
	serverFlags(cmd.Flags(), &cfg)
	return cmd
}

// runServer opens the store, runs prepare (if any) on the started server,
// and serves until SIGINT or SIGTERM.
func runServer(ctx context.Context, cfg config.Config, prepare func(context.Context, *server.Server, string) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := newLogger(cfg.LogLevel)
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	opts, err := serverOptions(cfg)
	if err != nil {
		st.Close()
		return err
	}
	if opts.SigningKey, err = signingKey(ctx, st, cfg); err != nil {
		st.Close()
		return err
	}
	log.Info("the log's checkpoints are signed with this key; give it to verifiers and witnesses", "vkey", opts.SigningKey.VKey)
	srv, err := server.New(ctx, st, log, opts)
	if err != nil {
		st.Close()
		return err
	}
	password, err := srv.Auth.Bootstrap(ctx, cfg.AdminPassword)
	if err != nil {
		srv.Close()
		return err
	}
	if password != "" && cfg.AdminPassword == "" {
		// Shown once: it is stored only as a hash.
		log.Warn("created the first user; sign in and change the password", "user", "admin", "password", password)
	} else if password != "" {
		log.Info("created the first user, admin, with the given password", "user", "admin")
	}
	defer func() {
		if err := srv.Close(); err != nil {
			log.Error("error closing store", "error", err)
		}
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("error listening on %s: %w", cfg.Addr, err)
	}
	url := "http://" + ln.Addr().String()
	if cfg.TLSCert != "" {
		url = "https://" + ln.Addr().String()
	}
	if prepare != nil {
		if err := prepare(ctx, srv, url); err != nil {
			ln.Close()
			return err
		}
	}
	log.Info("Logbook is listening", "url", url, "data", cfg.Data)
	if cfg.TLSCert != "" {
		return srv.ServeTLS(ctx, ln, cfg.TLSCert, cfg.TLSKey, cfg.ShutdownTimeout)
	}
	return srv.Serve(ctx, ln, cfg.ShutdownTimeout)
}

// serverOptions turns the configuration into the server's options.
func serverOptions(cfg config.Config) (server.Options, error) {
	opts := server.DefaultOptions()
	for _, p := range cfg.TrustedProxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return opts, fmt.Errorf("trusted-proxies: %q is not an address or CIDR prefix", p)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		opts.TrustedProxies = append(opts.TrustedProxies, prefix)
	}
	opts.Auth.LockoutAfter = cfg.LockoutAfter
	opts.Auth.SessionIdle = cfg.SessionIdle
	opts.Auth.SessionMax = cfg.SessionMax
	opts.ArchiveDir = cfg.ArchiveDirectory()
	opts.ExportDir = filepath.Join(cfg.Data, "exports")
	if cfg.ForwardingInterval > 0 {
		opts.Forward.IntervalFunc = func() time.Duration { return cfg.ForwardingInterval }
	}
	opts.MetricsPublic = cfg.MetricsPublic
	opts.CheckpointInterval = cfg.CheckpointInterval
	opts.LogPublic = cfg.LogPublic
	for _, spec := range cfg.Witnesses {
		w, err := integrity.ParseWitness(spec)
		if err != nil {
			return opts, fmt.Errorf("witness: %w", err)
		}
		opts.Witnesses = append(opts.Witnesses, w)
	}
	return opts, nil
}

// signingKey reads the log's signing key from cfg.SigningKey, or from
// <data>/log-signing.key, made at the first start.
func signingKey(ctx context.Context, st store.Store, cfg config.Config) (integrity.Key, error) {
	t, err := st.LogTree(ctx)
	if err != nil {
		return integrity.Key{}, err
	}
	path := cfg.SigningKey
	if path == "" {
		if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
			return integrity.Key{}, fmt.Errorf("error creating data directory: %w", err)
		}
		path = filepath.Join(cfg.Data, "log-signing.key")
	}
	k, err := integrity.LoadOrCreateKey(path, t.Origin)
	if err != nil {
		return integrity.Key{}, fmt.Errorf("signing-key: %s: %w", path, err)
	}
	return k, nil
}
