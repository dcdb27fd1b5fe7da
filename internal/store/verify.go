package store

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/logbookhq/logbook/internal/audit"
)

// VerifyChain recomputes every hash from the first entry to the chain head
// and returns the number of entries checked and the head hash. The error
// names the first entry that was altered, inserted or removed.
func VerifyChain(ctx context.Context, st Store) (int64, []byte, error) {
	headID, headHash, err := st.Head(ctx)
	if err != nil {
		return 0, nil, err
	}
	v := audit.NewVerifier(audit.GenesisHash)
	var lastID int64
	var lastHash string
	err = st.Scan(ctx, 0, func(e *audit.Entry) error {
		if e.ID > headID {
			return nil // appended after the head was read
		}
		lastID, lastHash = e.ID, e.Hash
		return v.Next(e)
	})
	if err != nil {
		return v.Checked, nil, fmt.Errorf("chain broken: %w", err)
	}
	if lastID != headID || (headID != 0 && lastHash != hex.EncodeToString(headHash)) {
		return v.Checked, nil, fmt.Errorf("chain broken: the chain head names entry %d with hash %x, but the entries end at %d", headID, headHash, lastID)
	}
	return v.Checked, headHash, nil
}
