package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

const criterionColumns = `id, name, description, host, port, protocol, format, filter, enabled,
	tls_ca_pem, tls_cert_pem, tls_key_pem, tls_server_name, scope, created_at, updated_at,
	last_delivered_id, in_flight_id, last_success, last_error, last_error_at, failing_since`

func scanCriterion(row scanner) (store.Criterion, error) {
	var c store.Criterion
	var scope string
	var created, updated, success, errAt, failing int64
	if err := row.Scan(&c.ID, &c.Name, &c.Description, &c.Host, &c.Port, &c.Protocol, &c.Format, &c.Filter,
		&c.Enabled, &c.TLS.CAPEM, &c.TLS.ClientCertPEM, &c.TLS.ClientKeyPEM, &c.TLS.ServerName, &scope,
		&created, &updated, &c.Delivery.LastDeliveredID, &c.Delivery.InFlightID, &success,
		&c.Delivery.LastError, &errAt, &failing); err != nil {
		return store.Criterion{}, err
	}
	c.Scope = store.DecodeScope(scope)
	c.CreatedAt, c.UpdatedAt = fromMicro(created), fromMicro(updated)
	c.Delivery.LastSuccess, c.Delivery.LastErrorAt, c.Delivery.FailingSince = fromMicroOrZero(success), fromMicroOrZero(errAt), fromMicroOrZero(failing)
	return c, nil
}

// CreateCriterion implements store.Forwarding.
func (s *Store) CreateCriterion(ctx context.Context, c store.Criterion) (store.Criterion, error) {
	c.CreatedAt = s.stamp(c.CreatedAt)
	c.UpdatedAt = c.CreatedAt
	c.Delivery = store.DeliveryState{LastDeliveredID: c.Delivery.LastDeliveredID}
	err := s.w.QueryRowContext(ctx, `INSERT INTO forwarding_criteria (name, description, host, port, protocol,
		format, filter, enabled, tls_ca_pem, tls_cert_pem, tls_key_pem, tls_server_name, scope, created_at,
		updated_at, last_delivered_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Name, c.Description, c.Host, c.Port, c.Protocol, c.Format, c.Filter, c.Enabled, c.TLS.CAPEM,
		c.TLS.ClientCertPEM, c.TLS.ClientKeyPEM, c.TLS.ServerName, store.EncodeScope(c.Scope),
		micro(c.CreatedAt), micro(c.UpdatedAt), c.Delivery.LastDeliveredID).Scan(&c.ID)
	if isUnique(err) {
		return store.Criterion{}, fmt.Errorf("error creating forwarding criterion %q: %w", c.Name, store.ErrConflict)
	}
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error creating forwarding criterion %q: %w", c.Name, err)
	}
	c.CreatedAt, c.UpdatedAt = fromMicro(micro(c.CreatedAt)), fromMicro(micro(c.UpdatedAt))
	return c, nil
}

// GetCriterion implements store.Forwarding.
func (s *Store) GetCriterion(ctx context.Context, id int64) (store.Criterion, error) {
	c, err := scanCriterion(s.r.QueryRowContext(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Criterion{}, fmt.Errorf("error reading forwarding criterion %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error reading forwarding criterion %d: %w", id, err)
	}
	return c, nil
}

// ListCriteria implements store.Forwarding.
func (s *Store) ListCriteria(ctx context.Context) ([]store.Criterion, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("error listing forwarding criteria: %w", err)
	}
	defer rows.Close()
	out := []store.Criterion{}
	for rows.Next() {
		c, err := scanCriterion(rows)
		if err != nil {
			return nil, fmt.Errorf("error listing forwarding criteria: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error listing forwarding criteria: %w", err)
	}
	return out, nil
}

// UpdateCriterion implements store.Forwarding.
func (s *Store) UpdateCriterion(ctx context.Context, id int64, fn func(*store.Criterion) error) (store.Criterion, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, err)
	}
	defer tx.Rollback()
	before, err := scanCriterion(tx.QueryRowContext(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, err)
	}
	c := before
	if err := fn(&c); err != nil {
		return store.Criterion{}, err
	}
	c.ID, c.CreatedAt, c.Delivery = before.ID, before.CreatedAt, before.Delivery
	c.UpdatedAt = fromMicro(micro(s.stamp(time.Time{})))
	_, err = tx.ExecContext(ctx, `UPDATE forwarding_criteria SET name = ?, description = ?, host = ?, port = ?,
		protocol = ?, format = ?, filter = ?, enabled = ?, tls_ca_pem = ?, tls_cert_pem = ?, tls_key_pem = ?,
		tls_server_name = ?, scope = ?, updated_at = ? WHERE id = ?`,
		c.Name, c.Description, c.Host, c.Port, c.Protocol, c.Format, c.Filter, c.Enabled, c.TLS.CAPEM,
		c.TLS.ClientCertPEM, c.TLS.ClientKeyPEM, c.TLS.ServerName, store.EncodeScope(c.Scope), micro(c.UpdatedAt), id)
	if isUnique(err) {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, store.ErrConflict)
	}
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, err)
	}
	return c, nil
}

// DeleteCriterion implements store.Forwarding.
func (s *Store) DeleteCriterion(ctx context.Context, id int64) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM forwarding_criteria WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("error deleting forwarding criterion %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("error deleting forwarding criterion %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// SetDeliveryState implements store.Forwarding.
func (s *Store) SetDeliveryState(ctx context.Context, id int64, expect int64, d store.DeliveryState) error {
	res, err := s.w.ExecContext(ctx, `UPDATE forwarding_criteria SET last_delivered_id = ?, in_flight_id = ?,
		last_success = ?, last_error = ?, last_error_at = ?, failing_since = ?
		WHERE id = ? AND (? < 0 OR last_delivered_id = ?)`,
		d.LastDeliveredID, d.InFlightID, micro(d.LastSuccess), d.LastError, micro(d.LastErrorAt),
		micro(d.FailingSince), id, expect, expect)
	if err != nil {
		return fmt.Errorf("error storing the delivery state of forwarding criterion %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.GetCriterion(ctx, id); err != nil {
		return fmt.Errorf("error storing the delivery state: %w", err)
	}
	return fmt.Errorf("error storing the delivery state of forwarding criterion %d: the cursor moved: %w", id, store.ErrConflict)
}
