package sqlite

import "context"

// MoveRecent lets tests move buffered entries without waiting for the
// background loop.
func (s *Store) MoveRecent(ctx context.Context) error { return s.moveRecent(ctx) }

// Recent is the number of entries waiting in audit_log_recent.
func (s *Store) Recent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recent
}

// SetBackfillChunk sets how many entries one backfill transaction indexes.
func SetBackfillChunk(n int) { backfillChunk = int64(n) }
