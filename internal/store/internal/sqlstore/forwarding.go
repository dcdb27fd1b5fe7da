package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// The forwarding criteria keep their scope as the JSON text of
// store.EncodeScope on both engines; last_success, last_error_at and
// failing_since may say "never" (Engine.Never).

const criterionColumns = `id, name, description, host, port, protocol, format, filter, enabled,
	tls_ca_pem, tls_cert_pem, tls_key_pem, tls_server_name, scope, created_at, updated_at,
	last_delivered_id, in_flight_id, last_success, last_error, last_error_at, failing_since`

func (s *Store) scanCriterion(row Row) (store.Criterion, error) {
	var c store.Criterion
	var scope string
	d := &c.Delivery
	if err := row.Scan(&c.ID, &c.Name, &c.Description, &c.Host, &c.Port, &c.Protocol, &c.Format, &c.Filter,
		&c.Enabled, &c.TLS.CAPEM, &c.TLS.ClientCertPEM, &c.TLS.ClientKeyPEM, &c.TLS.ServerName, &scope,
		s.scanTime(&c.CreatedAt), s.scanTime(&c.UpdatedAt), &d.LastDeliveredID, &d.InFlightID,
		s.scanNever(&d.LastSuccess), &d.LastError, s.scanNever(&d.LastErrorAt), s.scanNever(&d.FailingSince)); err != nil {
		return store.Criterion{}, err
	}
	c.Scope = store.DecodeScope(scope)
	return c, nil
}

// CreateCriterion implements store.Forwarding.
func (s *Store) CreateCriterion(ctx context.Context, c store.Criterion) (store.Criterion, error) {
	c.CreatedAt = s.stamp(c.CreatedAt)
	c.UpdatedAt = c.CreatedAt
	c.Delivery = store.DeliveryState{LastDeliveredID: c.Delivery.LastDeliveredID}
	err := s.e.Write.QueryRowContext(ctx, `INSERT INTO forwarding_criteria (name, description, host, port, protocol,
		format, filter, enabled, tls_ca_pem, tls_cert_pem, tls_key_pem, tls_server_name, scope, created_at,
		updated_at, last_delivered_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
		RETURNING id`,
		c.Name, c.Description, c.Host, c.Port, c.Protocol, c.Format, c.Filter, c.Enabled, c.TLS.CAPEM,
		c.TLS.ClientCertPEM, c.TLS.ClientKeyPEM, c.TLS.ServerName, store.EncodeScope(c.Scope),
		s.at(c.CreatedAt), s.at(c.UpdatedAt), c.Delivery.LastDeliveredID).Scan(&c.ID)
	if err != nil {
		return store.Criterion{}, s.conflict(err, fmt.Sprintf("error creating forwarding criterion %q", c.Name))
	}
	return c, nil
}

// GetCriterion implements store.Forwarding.
func (s *Store) GetCriterion(ctx context.Context, id int64) (store.Criterion, error) {
	c, err := s.scanCriterion(s.e.Read.QueryRowContext(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria WHERE id = $1`, id))
	return one(c, err, fmt.Sprintf("error reading forwarding criterion %d", id))
}

// ListCriteria implements store.Forwarding.
func (s *Store) ListCriteria(ctx context.Context) ([]store.Criterion, error) {
	out, err := query(ctx, s.e.Read, s.scanCriterion, `SELECT `+criterionColumns+` FROM forwarding_criteria ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("error listing forwarding criteria: %w", err)
	}
	return out, nil
}

// UpdateCriterion implements store.Forwarding. The read, fn and the write
// run in one transaction that holds the row (Engine.ForUpdate); the
// delivery state is neither written nor changeable by fn, so an edit never
// moves the forwarder's cursor.
func (s *Store) UpdateCriterion(ctx context.Context, id int64, fn func(*store.Criterion) error) (store.Criterion, error) {
	op := fmt.Sprintf("error updating forwarding criterion %d", id)
	var c store.Criterion
	err := s.inTx(ctx, op, func(tx *sql.Tx) error {
		before, err := s.scanCriterion(tx.QueryRowContext(ctx, `SELECT `+criterionColumns+` FROM forwarding_criteria WHERE id = $1`+s.e.ForUpdate, id))
		if before, err = one(before, err, op); err != nil {
			return err
		}
		c = before
		if err := fn(&c); err != nil {
			return err
		}
		c.ID, c.CreatedAt, c.Delivery = before.ID, before.CreatedAt, before.Delivery
		c.UpdatedAt = s.stamp(time.Time{})
		if _, err = tx.ExecContext(ctx, `UPDATE forwarding_criteria SET name = $1, description = $2, host = $3, port = $4,
			protocol = $5, format = $6, filter = $7, enabled = $8, tls_ca_pem = $9, tls_cert_pem = $10, tls_key_pem = $11,
			tls_server_name = $12, scope = $13, updated_at = $14 WHERE id = $15`,
			c.Name, c.Description, c.Host, c.Port, c.Protocol, c.Format, c.Filter, c.Enabled, c.TLS.CAPEM,
			c.TLS.ClientCertPEM, c.TLS.ClientKeyPEM, c.TLS.ServerName, store.EncodeScope(c.Scope), s.at(c.UpdatedAt), id); err != nil {
			return s.conflict(err, op)
		}
		return nil
	})
	if err != nil {
		return store.Criterion{}, err
	}
	return c, nil
}

// DeleteCriterion implements store.Forwarding.
func (s *Store) DeleteCriterion(ctx context.Context, id int64) error {
	res, err := s.e.Write.ExecContext(ctx, `DELETE FROM forwarding_criteria WHERE id = $1`, id)
	return affected(res, err, fmt.Sprintf("error deleting forwarding criterion %d", id))
}

// SetDeliveryState implements store.Forwarding. The cursor check is part
// of the UPDATE, so that of two forwarders (a replay, another replica)
// exactly one moves it; when no row changed, a read tells a missing
// criterion (ErrNotFound) from a moved cursor (ErrConflict).
func (s *Store) SetDeliveryState(ctx context.Context, id int64, expect int64, d store.DeliveryState) error {
	res, err := s.e.Write.ExecContext(ctx, `UPDATE forwarding_criteria SET last_delivered_id = $1, in_flight_id = $2,
		last_success = $3, last_error = $4, last_error_at = $5, failing_since = $6
		WHERE id = $7 AND ($8 < 0 OR last_delivered_id = $8)`,
		d.LastDeliveredID, d.InFlightID, s.never(d.LastSuccess), d.LastError, s.never(d.LastErrorAt),
		s.never(d.FailingSince), id, expect)
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
