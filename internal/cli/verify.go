package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
)

func newVerifyCmd() *cobra.Command {
	cfg := config.Default()
	var archiveFile string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the hash chain and name the first entry that does not match",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := server.OpenStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if archiveFile != "" {
				return verifyArchive(cmd, st, archiveFile)
			}
			n, head, err := store.VerifyChain(cmd.Context(), st)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "verified %d entries; chain head %x\n", n, head)
			return nil
		},
	}
	cmd.Flags().StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cmd.Flags().StringVar(&cfg.DB, "db", cfg.DB, "database URL; empty for the embedded SQLite database in --data")
	cmd.Flags().StringVar(&archiveFile, "archive", "", "verify this NDJSON archive (LogbookAuditLog_….ndjson.gz) against its purge anchor instead")
	return cmd
}
