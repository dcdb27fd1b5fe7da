package store

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/logbookhq/logbook/internal/audit"
)

// VerifyChain recomputes every hash from the first entry to the last and
// checks that the chain ends at the chain head; it returns the number of
// entries checked and the hash of the last. The error names the first entry
// that was altered, inserted or removed. Entries appended while it runs are
// verified too.
func VerifyChain(ctx context.Context, st Store) (int64, []byte, error) {
	headID, _, err := st.Head(ctx)
	if err != nil {
		return 0, nil, err
	}
	v := audit.NewVerifier(audit.GenesisHash)
	var lastID int64
	var lastHash string
	err = st.Scan(ctx, 0, func(e *audit.Entry) error {
		lastID, lastHash = e.ID, e.Hash
		return v.Next(e)
	})
	if err != nil {
		return v.Checked, nil, fmt.Errorf("chain broken: %w", err)
	}
	endID, endHash, err := st.Head(ctx)
	if err != nil {
		return v.Checked, nil, err
	}
	switch {
	case lastID > endID:
		return v.Checked, nil, fmt.Errorf("chain broken: entry %d lies beyond the chain head %d (inserted)", lastID, endID)
	case lastID < headID:
		return v.Checked, nil, fmt.Errorf("chain broken: the entries end at %d but the chain head is %d (entries removed at the end)", lastID, headID)
	case lastID == endID && endID != 0 && lastHash != hex.EncodeToString(endHash):
		return v.Checked, nil, fmt.Errorf("chain broken: entry %d does not have the hash the chain head records", lastID)
	}
	h, _ := hex.DecodeString(lastHash)
	if lastID == 0 {
		h = audit.GenesisHash
	}
	return v.Checked, h, nil
}
