package server

import (
	"context"
	"time"

	"github.com/logbookhq/logbook/internal/accounts"
)

// applyRetention is the settings' RetentionFunc: the archive service with
// the current domain tree.
func (s *Server) applyRetention(ctx context.Context, req accounts.Request, oldJobID int64, days int, archive bool) (int64, error) {
	return s.Archive.ApplyRetention(ctx, req, s.Auth.Tree(), oldJobID, days, archive)
}

// now is the server's clock: the one its options inject, so that tests
// can set the time Logbook records.
func (s *Server) now() time.Time {
	if s.opts.Auth.Now != nil {
		return s.opts.Auth.Now()
	}
	return time.Now()
}
