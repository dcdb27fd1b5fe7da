package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/server"
)

func newMigrateCmd() *cobra.Command {
	cfg := config.Default()
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date, then exit",
		Long: `Apply the schema migrations the database has not seen, then exit.

logbook serve does this on start too (under a lock on PostgreSQL, so that
replicas starting together do not race); run it on its own to upgrade the
schema before rolling new replicas out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := server.OpenStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if err := st.Close(); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "the schema is up to date")
			return nil
		},
	}
	cmd.Flags().StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cmd.Flags().StringVar(&cfg.DB, "db", cfg.DB, "database URL; empty for the embedded SQLite database in --data")
	return cmd
}
