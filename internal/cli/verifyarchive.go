package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/store"
)

// verifyArchive checks an NDJSON archive against its purge's anchor.
func verifyArchive(cmd *cobra.Command, st store.Store, file string) error {
	ctx := cmd.Context()
	a, err := archive.FindAnchor(ctx, st, file)
	if err != nil {
		return err
	}
	bridges, err := st.AnchorBridges(ctx, a.ID)
	if err != nil {
		return err
	}
	n, err := archive.VerifyFile(file, a, bridges)
	if err != nil {
		return fmt.Errorf("archive does not verify: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "verified %d archived entries against purge anchor %d; last entry %d, hash %s\n", n, a.ID, a.LastID, a.LastHash)
	return nil
}
