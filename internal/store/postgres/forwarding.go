package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/store"
)

const criterionColumns = `id, name, description, host, port, protocol, format, filter, enabled,
	tls_ca_pem, tls_cert_pem, tls_key_pem, tls_server_name, scope, created_at, updated_at,
	last_delivered_id, in_flight_id, last_success, last_error, last_error_at, failing_since`

func scanCriterion(row pgx.Row) (store.Criterion, error) {
	var c store.Criterion
	var scope string
	var success, errAt, failing *time.Time
	if err := row.Scan(&c.ID, &c.Name, &c.Description, &c.Host, &c.Port, &c.Protocol, &c.Format, &c.Filter,
		&c.Enabled, &c.TLS.CAPEM, &c.TLS.ClientCertPEM, &c.TLS.ClientKeyPEM, &c.TLS.ServerName, &scope,
		&c.CreatedAt, &c.UpdatedAt, &c.Delivery.LastDeliveredID, &c.Delivery.InFlightID, &success,
		&c.Delivery.LastError, &errAt, &failing); err != nil {
		return store.Criterion{}, err
	}
	c.Scope = store.DecodeScope(scope)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.Delivery.LastSuccess, c.Delivery.LastErrorAt, c.Delivery.FailingSince = fromNull(success), fromNull(errAt), fromNull(failing)
	return c, nil
}

// CreateCriterion implements store.Forwarding.
func (s *Store) CreateCriterion(ctx context.Context, c store.Criterion) (store.Criterion, error) {
	c.CreatedAt = s.stamp(c.CreatedAt)
	c.UpdatedAt = c.CreatedAt
	c.Delivery = store.DeliveryState{LastDeliveredID: c.Delivery.LastDeliveredID}
	err := s.pool.QueryRow(ctx, `INSERT INTO forwarding_criteria (name, description, host, port, protocol,
		format, filter, enabled, tls_ca_pem, tls_cert_pem, tls_key_pem, tls_server_name, scope, created_at,
		updated_at, last_delivered_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		c.Name, c.Description, c.Host, c.Port, c.Protocol, c.Format, c.Filter, c.Enabled, c.TLS.CAPEM,
		c.TLS.ClientCertPEM, c.TLS.ClientKeyPEM, c.TLS.ServerName, store.EncodeScope(c.Scope),
		c.CreatedAt, c.UpdatedAt, c.Delivery.LastDeliveredID).Scan(&c.ID)
	if isUnique(err) {
		return store.Criterion{}, fmt.Errorf("error creating forwarding criterion %q: %w", c.Name, store.ErrConflict)
	}
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error creating forwarding criterion %q: %w", c.Name, err)
	}
	return c, nil
}

// GetCriterion implements store.Forwarding.
func (s *Store) GetCriterion(ctx context.Context, id int64) (store.Criterion, error) {
	c, err := scanCriterion(s.pool.QueryRow(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Criterion{}, fmt.Errorf("error reading forwarding criterion %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error reading forwarding criterion %d: %w", id, err)
	}
	return c, nil
}

// ListCriteria implements store.Forwarding.
func (s *Store) ListCriteria(ctx context.Context) ([]store.Criterion, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria ORDER BY id`)
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
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, err)
	}
	defer tx.Rollback(context.Background())
	before, err := scanCriterion(tx.QueryRow(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	c.UpdatedAt = s.stamp(time.Time{})
	_, err = tx.Exec(ctx, `UPDATE forwarding_criteria SET name = $1, description = $2, host = $3, port = $4,
		protocol = $5, format = $6, filter = $7, enabled = $8, tls_ca_pem = $9, tls_cert_pem = $10, tls_key_pem = $11,
		tls_server_name = $12, scope = $13, updated_at = $14 WHERE id = $15`,
		c.Name, c.Description, c.Host, c.Port, c.Protocol, c.Format, c.Filter, c.Enabled, c.TLS.CAPEM,
		c.TLS.ClientCertPEM, c.TLS.ClientKeyPEM, c.TLS.ServerName, store.EncodeScope(c.Scope), c.UpdatedAt, id)
	if isUnique(err) {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, store.ErrConflict)
	}
	if err != nil {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return store.Criterion{}, fmt.Errorf("error updating forwarding criterion %d: %w", id, err)
	}
	return c, nil
}

// DeleteCriterion implements store.Forwarding.
func (s *Store) DeleteCriterion(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM forwarding_criteria WHERE id = $1`, id)
	return affected(tag, err, fmt.Sprintf("error deleting forwarding criterion %d", id))
}

// SetDeliveryState implements store.Forwarding.
func (s *Store) SetDeliveryState(ctx context.Context, id int64, expect int64, d store.DeliveryState) error {
	tag, err := s.pool.Exec(ctx, `UPDATE forwarding_criteria SET last_delivered_id = $1, in_flight_id = $2,
		last_success = $3, last_error = $4, last_error_at = $5, failing_since = $6
		WHERE id = $7 AND ($8 < 0 OR last_delivered_id = $8)`,
		d.LastDeliveredID, d.InFlightID, nullTime(d.LastSuccess), d.LastError, nullTime(d.LastErrorAt),
		nullTime(d.FailingSince), id, expect)
	if err != nil {
		return fmt.Errorf("error storing the delivery state of forwarding criterion %d: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := s.GetCriterion(ctx, id); err != nil {
		return fmt.Errorf("error storing the delivery state: %w", err)
	}
	return fmt.Errorf("error storing the delivery state of forwarding criterion %d: the cursor moved: %w", id, store.ErrConflict)
}
