package store

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

// FinishEntry fills the fields of e that engines store in an encoded form.
func FinishEntry(e *audit.Entry, ts, recordedAt int64, result, objects string, detail []byte, eventID string, prev, hash []byte) error {
	e.Timestamp = time.UnixMicro(ts).UTC()
	e.RecordedAt = time.UnixMicro(recordedAt).UTC()
	e.Result = audit.Result(result)
	e.EventID = eventID
	e.PrevHash = hex.EncodeToString(prev)
	e.Hash = hex.EncodeToString(hash)
	if objects != "" && objects != "[]" {
		if err := json.Unmarshal([]byte(objects), &e.AffectedObjects); err != nil {
			return fmt.Errorf("error decoding affected objects of entry %d: %w", e.ID, err)
		}
	}
	d, err := UnpackText(detail)
	if err != nil {
		return fmt.Errorf("error decoding detail of entry %d: %w", e.ID, err)
	}
	e.AffectedObjectDetail = d
	return nil
}

// CheckConfigChanges returns cs when they are the changes e's digest
// names; an entry without changes has none.
func CheckConfigChanges(e audit.Entry, cs []audit.ConfigChange) ([]audit.ConfigChange, error) {
	if !e.HasConfigChange || len(e.ConfigDigest) == 0 {
		return nil, fmt.Errorf("entry %d has no configuration change: %w", e.ID, ErrNotFound)
	}
	if string(audit.ConfigDigest(cs)) != string(e.ConfigDigest) {
		return nil, fmt.Errorf("the configuration change of entry %d does not match the digest its hash covers: it was altered", e.ID)
	}
	return cs, nil
}
