package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/internal/chain"
)

// The columns Append copies into each table.
var (
	copyColumns   = append(strings.Split(strings.ReplaceAll(store.Columns, " ", ""), ","), "words")
	objectColumns = []string{"type", "name", "ts", "entry_id"}
	configColumns = []string{"entry_id", "seq", "device", "format", "before", "after"}
	eventColumns  = []string{"source", "event_id", "id"}
	leafColumns   = []string{"idx", "entry_id", "leaf", "hashes"}
)

// Append implements store.Store with the outline of package chain: one
// transaction, the chain head locked, the new rows written with COPY by
// an appendTx.
func (s *Store) Append(ctx context.Context, entries []audit.Entry) ([]int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("error beginning append: %w", err)
	}
	defer tx.Rollback(context.Background())
	ids, err := chain.Append(ctx, &appendTx{tx: tx, channel: s.channel}, entries, s.now)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("error committing append: %w", err)
	}
	return ids, nil
}

// appendTx is the PostgreSQL half of an append (chain.Writer): the chain
// head row locked FOR UPDATE, so that any number of replicas extend one
// chain; the event ids of the batch looked up in one query; the rows, the
// object index, the configuration changes and the idempotency keys queued
// and copied once the batch is sealed, and the commit announced.
type appendTx struct {
	tx       pgx.Tx
	channel  string
	existing map[eventKey]int64

	rows, events, configs, objects [][]any
}

func (a *appendTx) Head(ctx context.Context, entries []audit.Entry) (int64, []byte, chain.Tree, error) {
	var lastID int64
	var lastHash, root []byte
	var t chain.Tree
	if err := a.tx.QueryRow(ctx, `SELECT c.last_id, c.last_hash, t.origin, t.size, t.root, t.edge, t.last_entry, t.legacy_upto
		FROM chain_head c, log_state t WHERE c.singleton = 1 AND t.singleton = 1 FOR UPDATE`).Scan(&lastID, &lastHash, &t.Origin, &t.Size, &root, &t.Edge, &t.LastEntry, &t.LegacyUpTo); err != nil {
		return 0, nil, t, fmt.Errorf("error locking chain head: %w", err)
	}
	copy(t.Root[:], root)
	var err error
	if a.existing, err = lookupEvents(ctx, a.tx, entries); err != nil {
		return 0, nil, t, err
	}
	a.rows = make([][]any, 0, len(entries))
	return lastID, lastHash, t, nil
}

func (a *appendTx) DomainIDs(ctx context.Context, names []string) (map[string]int64, error) {
	out := make(map[string]int64, len(names))
	if len(names) == 0 {
		return out, nil
	}
	rows, err := a.tx.Query(ctx, `SELECT name, id FROM log_domains WHERE name = ANY($1)`, names)
	if err != nil {
		return nil, fmt.Errorf("error numbering domains: %w", err)
	}
	for rows.Next() {
		var n string
		var id int64
		if err := rows.Scan(&n, &id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("error numbering domains: %w", err)
		}
		out[n] = id
	}
	rows.Close()
	for _, n := range names {
		if _, ok := out[n]; ok {
			continue
		}
		var id int64
		if err := a.tx.QueryRow(ctx, `INSERT INTO log_domains (id, name) SELECT coalesce(max(id), 0) + 1, $1 FROM log_domains RETURNING id`, n).Scan(&id); err != nil {
			return nil, fmt.Errorf("error numbering domain %q: %w", n, err)
		}
		out[n] = id
	}
	return out, nil
}

func (a *appendTx) Unleaved(ctx context.Context, after, upTo int64, limit int) ([]audit.Entry, error) {
	return queryEntries(ctx, a.tx, limit, `SELECT `+store.Columns+` FROM audit_log WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`, after, upTo, limit)
}

func (a *appendTx) SetSalts(ctx context.Context, entries []audit.Entry) error {
	ids := make([]int64, len(entries))
	ts := make([]time.Time, len(entries))
	salts := make([][]byte, len(entries))
	for i := range entries {
		ids[i], ts[i], salts[i] = entries[i].ID, entries[i].Timestamp, entries[i].Salt
	}
	// ts lets each row be found in its partition only.
	if _, err := a.tx.Exec(ctx, `UPDATE audit_log a SET salt = u.salt FROM unnest($1::bigint[], $2::timestamptz[], $3::bytea[]) AS u(id, ts, salt)
		WHERE a.id = u.id AND a.ts = u.ts`, ids, ts, salts); err != nil {
		return fmt.Errorf("error salting entries: %w", err)
	}
	return nil
}

func (a *appendTx) Stored(_ context.Context, source, eventID string) (int64, bool, error) {
	id, ok := a.existing[eventKey{source, eventID}]
	return id, ok, nil
}

func (a *appendTx) Write(_ context.Context, e *audit.Entry, prev, hash []byte) error {
	if e.EventID != "" {
		a.events = append(a.events, []any{e.Source, e.EventID, e.ID})
	}
	a.rows = append(a.rows, rowValues(e, prev, hash))
	seen := map[store.ObjectRef]bool{}
	for _, o := range e.AffectedObjects {
		if k := (store.ObjectRef{Type: o.Type, Name: o.Name}); !seen[k] {
			seen[k] = true
			a.objects = append(a.objects, []any{o.Type, o.Name, e.Timestamp, e.ID})
		}
	}
	for seq, c := range e.ConfigChanges {
		a.configs = append(a.configs, []any{e.ID, seq, c.Device, c.Format, store.PackText(c.Before), store.PackText(c.After)})
	}
	return nil
}

func (a *appendTx) Finish(ctx context.Context, b chain.Batch) error {
	if len(b.Leaves) > 0 {
		leaves := make([][]any, len(b.Leaves))
		for i, l := range b.Leaves {
			leaves[i] = []any{l.Index, l.EntryID, l.Leaf, l.Hashes}
		}
		if _, err := a.tx.CopyFrom(ctx, pgx.Identifier{"log_leaves"}, leafColumns, pgx.CopyFromRows(leaves)); err != nil {
			return fmt.Errorf("error copying leaves: %w", err)
		}
		t := b.Tree
		if _, err := a.tx.Exec(ctx, `UPDATE log_state SET size = $1, root = $2, edge = $3, last_entry = $4 WHERE singleton = 1`, t.Size, t.Root[:], t.Edge, t.LastEntry); err != nil {
			return fmt.Errorf("error updating the tree's state: %w", err)
		}
	}
	lastID, lastHash := b.LastID, b.LastHash
	if lastID < b.FirstID {
		return nil
	}
	copies := [...]struct {
		table   string
		columns []string
		rows    [][]any
		what    string
	}{
		{"audit_log", copyColumns, a.rows, "copying entries"},
		{"audit_objects", objectColumns, a.objects, "indexing affected objects"},
		{"config_changes", configColumns, a.configs, "copying configuration changes"},
		{"audit_log_event", eventColumns, a.events, "copying event ids"},
	}
	for _, c := range copies {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := a.tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.columns, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("error %s: %w", c.what, err)
		}
	}
	if _, err := a.tx.Exec(ctx, `UPDATE chain_head SET last_id = $1, last_hash = $2 WHERE singleton = 1`, lastID, lastHash); err != nil {
		return fmt.Errorf("error updating chain head: %w", err)
	}
	if _, err := a.tx.Exec(ctx, `SELECT pg_notify($1, $2)`, a.channel, strconv.FormatInt(lastID, 10)); err != nil {
		return fmt.Errorf("error announcing commit: %w", err)
	}
	return nil
}

type eventKey struct{ source, eventID string }

// lookupEvents finds the ids of entries whose (source, event_id) is stored.
func lookupEvents(ctx context.Context, tx pgx.Tx, entries []audit.Entry) (map[eventKey]int64, error) {
	found := map[eventKey]int64{}
	var sources, eventIDs []string
	for _, e := range entries {
		if e.EventID != "" {
			sources = append(sources, e.Source)
			eventIDs = append(eventIDs, e.EventID)
		}
	}
	if len(sources) == 0 {
		return found, nil
	}
	rows, err := tx.Query(ctx, `SELECT e.source, e.event_id, e.id FROM audit_log_event e
		JOIN unnest($1::text[], $2::text[]) AS k(source, event_id) ON e.source = k.source AND e.event_id = k.event_id`, sources, eventIDs)
	if err != nil {
		return nil, fmt.Errorf("error looking up event ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k eventKey
		var id int64
		if err := rows.Scan(&k.source, &k.eventID, &id); err != nil {
			return nil, err
		}
		found[k] = id
	}
	return found, rows.Err()
}

func rowValues(e *audit.Entry, prev, hash []byte) []any {
	r := chain.RowOf(e)
	return []any{e.ID, e.Timestamp, e.RecordedAt, e.UserName, e.UserIP, e.Domain, e.Application,
		e.Workspace, e.Task, string(e.Result), e.JobID, e.Description, r.Objects, r.Detail,
		e.HasConfigChange, e.Source, r.EventID, prev, hash, r.Digest, e.Salt, e.Words()}
}

// InsertRaw copies entries as they are, perTx rows per COPY and
// transaction: the baseline `logbook bench` compares ingest with.
func (s *Store) InsertRaw(ctx context.Context, entries []audit.Entry, perTx int) error {
	hash := make([]byte, audit.HashSize)
	for start := 0; start < len(entries); start += perTx {
		batch := entries[start:min(start+perTx, len(entries))]
		rows := make([][]any, len(batch))
		for i := range batch {
			rows[i] = rowValues(&batch[i], hash, hash)
		}
		if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{"audit_log"}, copyColumns, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("error copying entries: %w", err)
		}
	}
	return nil
}

// catchUp gives a chunk of the entries stored before the verifiable log
// their leaves, in one transaction (chain.Build calls it at open).
func (s *Store) catchUp(ctx context.Context) (int, bool, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback(context.Background())
	added, more, err := chain.CatchUp(ctx, &appendTx{tx: tx, channel: s.channel}, chain.BuildChunk)
	if err != nil {
		return 0, false, err
	}
	return added, more, tx.Commit(ctx)
}
