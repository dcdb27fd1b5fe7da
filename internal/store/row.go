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
