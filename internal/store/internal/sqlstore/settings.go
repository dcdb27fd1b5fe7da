package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// A setting's row holds its JSON document; an empty value, which
// UpdateSetting writes only inside its own transaction, reads as unset.

// Setting implements store.Lifecycle.
func (s *Store) Setting(ctx context.Context, key string) (json.RawMessage, error) {
	var v string
	err := s.e.Read.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && v == "") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("error reading setting %s: %w", key, err)
	}
	return json.RawMessage(v), nil
}

// UpdateSetting implements store.Lifecycle. The row is created (empty) if
// need be, so that there is a row to hold (Engine.ForUpdate) while fn
// runs: concurrent changes from several replicas queue rather than both
// reading "unset". An error from fn rolls the new row back.
func (s *Store) UpdateSetting(ctx context.Context, key string, fn func(json.RawMessage) (json.RawMessage, error)) error {
	op := "error updating setting " + key
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		now := s.at(s.stamp(time.Time{}))
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, '', $2)
			ON CONFLICT (key) DO NOTHING`, key, now); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`+s.e.ForUpdate, key).Scan(&v); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		var old json.RawMessage
		if v != "" {
			old = json.RawMessage(v)
		}
		nv, err := fn(old)
		if err != nil {
			return err
		}
		if err := store.CheckSettingValue(nv); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = $1, updated_at = $2 WHERE key = $3`, string(nv), now, key); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
}
