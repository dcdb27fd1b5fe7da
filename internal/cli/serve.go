package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/server"
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
	srv, err := server.New(st, log)
	if err != nil {
		st.Close()
		return err
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
	if prepare != nil {
		if err := prepare(ctx, srv, url); err != nil {
			ln.Close()
			return err
		}
	}
	log.Info("Logbook is listening", "url", url, "data", cfg.Data)
	return srv.Serve(ctx, ln, cfg.ShutdownTimeout)
}
