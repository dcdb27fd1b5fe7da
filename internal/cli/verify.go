package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/config"
	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/store"
)

func newVerifyCmd() *cobra.Command {
	cfg := config.Default()
	var archiveFile, logURL, vkey, statePath string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the hash chain and the log's tree, and name the first entry that does not match",
		Args:  cobra.NoArgs,
		Long: `Without --log, verify opens the database (--data or --db) and recomputes
the hash chain and the verifiable log's tree from the stored entries: every
leaf must commit to its entry, and the tree's root to its leaves.

With --log URL --vkey KEY it checks a running Logbook from the outside, from
its public tiles alone (URL is the server's /log/ prefix): the checkpoint's
signature, the tree recomputed from the entry bundles, and with --state FILE
that the log extends the checkpoint the previous run verified, so that a
rolled-back or rewritten history fails the next run, naming the tree size.

With --archive FILE it checks an archive/purge archive: against its purge
anchor in the database, or, with --vkey KEY and no database, against the
signed checkpoint and proofs the NDJSON archive carries.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if archiveFile != "" && vkey != "" {
				return verifyArchiveOffline(cmd, archiveFile, vkey)
			}
			if logURL != "" || vkey != "" {
				return verifyLog(cmd, logURL, vkey, statePath)
			}
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
			r, err := store.VerifyLog(cmd.Context(), st)
			if err != nil {
				return fmt.Errorf("log broken: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "verified the %s\n", r)
			return nil
		},
	}
	cmd.Flags().StringVar(&cfg.Data, "data", cfg.Data, "data directory")
	cmd.Flags().StringVar(&cfg.DB, "db", cfg.DB, "database URL; empty for the embedded SQLite database in --data")
	cmd.Flags().StringVar(&logURL, "log", "", "check a running Logbook from the outside: the URL of its log (https://host/log/)")
	cmd.Flags().StringVar(&vkey, "vkey", "", "with --log, or --archive without a database: the log's verifier key (GET /api/v1/integrity/key)")
	cmd.Flags().StringVar(&statePath, "state", "", "with --log: a file remembering the checkpoint verified last; the log must extend it")
	cmd.Flags().StringVar(&archiveFile, "archive", "", "verify this NDJSON archive (LogbookAuditLog_….ndjson.gz) against its purge anchor instead")
	return cmd
}

// verifyLog checks a running Logbook's log from its tiles.
func verifyLog(cmd *cobra.Command, url, vkey, statePath string) error {
	if url == "" || vkey == "" {
		return errors.New("log, vkey: give both to check a log from the outside")
	}
	rep, err := integrity.VerifyRemote(cmd.Context(), url, vkey, integrity.RemoteOptions{StatePath: statePath})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "verified the log's %d leaves up to its signed checkpoint of size %d, root %s\n", rep.Leaves, rep.Tree.N, rep.Tree.Hash)
	if rep.Previous != nil {
		fmt.Fprintf(cmd.OutOrStdout(), "it extends the checkpoint of size %d verified before\n", rep.Previous.Size)
	}
	return nil
}

// verifyArchiveOffline checks an NDJSON archive with the log's key alone.
func verifyArchiveOffline(cmd *cobra.Command, file, vkey string) error {
	rep, err := archive.VerifyOffline(file, vkey)
	if err != nil {
		return fmt.Errorf("archive does not verify: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "verified %d archived entries in %d runs of the log's leaves, against its signed checkpoint of size %d",
		rep.Entries-rep.Unleaved, rep.Runs, rep.Tree.N)
	if rep.Unleaved > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "; %d entries predate the log and have no leaf", rep.Unleaved)
	}
	fmt.Fprintln(cmd.OutOrStdout())
	return nil
}
