package sqlite

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/logbookhq/logbook/internal/integrity"
	"github.com/logbookhq/logbook/internal/store/internal/chain"
)

// buildLogChunk is how many older entries one transaction of buildLog
// gives leaves to.
const buildLogChunk = 10_000

// buildLog names the log and gives every entry stored without a leaf
// (before the verifiable log, migration 15) its leaf, in id order, one
// chunk per transaction, so that a stop part way resumes where it was.
func (s *Store) buildLog(ctx context.Context, origin string, log *slog.Logger) error {
	if stored, err := s.LogTree(ctx); err == nil && stored.Origin == "" && origin == "" {
		origin = integrity.DefaultOrigin()
	}
	if _, err := s.OpenLog(ctx, origin); err != nil {
		return err
	}
	total := 0
	for {
		added, more, err := s.catchUp(ctx)
		if err != nil {
			return fmt.Errorf("error building the log's tree over older entries: %w", err)
		}
		total += added
		if added > 0 && log != nil {
			log.Info("building the log's tree over older entries", "entries", total, "done", !more)
		}
		if !more {
			return nil
		}
	}
}

func (s *Store) catchUp(ctx context.Context) (int, bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback()
	s.mu.Lock()
	defer s.mu.Unlock()
	added, more, err := chain.CatchUp(ctx, &appendTx{s: s, tx: tx}, buildLogChunk)
	if err != nil {
		return 0, false, err
	}
	return added, more, tx.Commit()
}
