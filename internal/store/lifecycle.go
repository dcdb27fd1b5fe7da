package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

// ErrEmptyScope refuses a purge whose scope allows nothing: a forgotten
// scope must fail loudly rather than quietly purge nothing (or, worse, be
// mistaken for "everything").
var ErrEmptyScope = errors.New("a purge needs a scope that allows at least one domain")

// Purge states of an anchor.
const (
	PurgeRunning  = "running"
	PurgeDone     = "done"
	PurgeCanceled = "canceled"
	PurgeFailed   = "failed"
)

// PurgeSpec selects the entries a purge removes: those Scope allows whose
// timestamp lies before Before and whose id is at most MaxID. MaxID is the
// chain head when the purge began, so that an entry recorded while it runs
// (the purge's own audit entry among them) is never removed by it, and the
// entries the archive holds are exactly the entries deleted.
type PurgeSpec struct {
	Scope  Scope
	Before time.Time
	MaxID  int64
}

// Check refuses a spec that would select nothing by mistake.
func (p PurgeSpec) Check() error {
	if !p.Scope.All && len(p.Scope.Domains) == 0 && len(p.Scope.Exact) == 0 {
		return ErrEmptyScope
	}
	if p.Before.IsZero() {
		return errors.New("a purge needs a cut-off time")
	}
	return nil
}

// Anchor is the record a purge leaves behind so that the chain still
// verifies without the entries it removed (see docs/archive-purge.md):
// what was asked, how many entries went, the last of them and its hash,
// and the archive that holds them.
type Anchor struct {
	ID            int64     `json:"id"`
	JobID         int64     `json:"job_id,omitempty"`
	PurgedAt      time.Time `json:"purged_at"`
	Before        time.Time `json:"before"`
	Domains       []string  `json:"domains"` // ["*"]: every domain
	Count         int64     `json:"count"`
	FirstID       int64     `json:"first_id,omitempty"`
	LastID        int64     `json:"last_id,omitempty"`
	LastHash      string    `json:"last_hash,omitempty"` // hex
	Archive       string    `json:"archive,omitempty"`
	ArchiveSHA256 string    `json:"archive_sha256,omitempty"`
	State         string    `json:"state"`
	Note          string    `json:"note,omitempty"`
}

// Bridge spans a run of consecutive ids one purge removed: PrevHash is the
// hash the chain had before FromID (the stored prev_hash of FromID) and
// EndHash the hash of ToID (the prev_hash of the entry after it). The
// bridges of all purges let a verifier walk over every gap; the archive
// shows how the removed entries lead from one to the other.
type Bridge struct {
	AnchorID int64
	FromID   int64
	ToID     int64
	PrevHash []byte
	EndHash  []byte
}

// Lifecycle is what archive/purge and the audit settings need from an
// engine. Every engine implements it as part of Store.
type Lifecycle interface {
	// ScanPurge calls fn for every entry p selects, in id order.
	ScanPurge(ctx context.Context, p PurgeSpec, fn func(*audit.Entry) error) error
	// CountPurge counts the entries p selects.
	CountPurge(ctx context.Context, p PurgeSpec) (int64, error)
	// BeginPurge stores a new anchor (state running) and returns it with
	// its id. Nothing is deleted yet.
	BeginPurge(ctx context.Context, a Anchor) (Anchor, error)
	// PurgeBatch deletes at most limit of the entries p selects, lowest
	// ids first, together with their side rows, and in the same
	// transaction records their bridges and adds them to the anchor. It
	// returns how many it deleted: 0 when none are left.
	PurgeBatch(ctx context.Context, anchorID int64, p PurgeSpec, limit int) (int64, error)
	// DropPartitions removes whole storage partitions that hold only
	// entries p selects, recording their bridges like PurgeBatch, and
	// returns how many entries went and the partitions dropped. Engines
	// without partitions return 0.
	DropPartitions(ctx context.Context, anchorID int64, p PurgeSpec) (int64, []string, error)
	// FinishPurge sets an anchor's final state and note.
	FinishPurge(ctx context.Context, anchorID int64, state, note string) error
	// Anchors returns the newest anchors first, at most limit.
	Anchors(ctx context.Context, limit int) ([]Anchor, error)
	// AnchorBridges returns the bridges of one anchor in id order.
	AnchorBridges(ctx context.Context, anchorID int64) ([]Bridge, error)
	// Bridges returns at most limit bridges with FromID above afterID, in
	// id order, of every purge.
	Bridges(ctx context.Context, afterID int64, limit int) ([]Bridge, error)

	// Setting returns the stored value of a setting; nil when unset.
	Setting(ctx context.Context, key string) (json.RawMessage, error)
	// UpdateSetting reads a setting, lets fn compute the new value from it
	// and stores that, in one transaction; an error from fn aborts.
	UpdateSetting(ctx context.Context, key string, fn func(old json.RawMessage) (json.RawMessage, error)) error
}

// AllDomainsMark stands for every domain in Anchor.Domains.
const AllDomainsMark = "*"

// ScopeDomains names the domains of a purge scope for its anchor.
func ScopeDomains(s Scope) []string {
	if s.All {
		return []string{AllDomainsMark}
	}
	out := append([]string{}, s.Domains...)
	return append(out, s.Exact...)
}

// notStatement keeps purge statements out of every purge: they bind the
// bridges of the purges before them (statement.go).
func (b *sqlBuilder) notStatement() string {
	return "NOT (source = " + b.arg(StatementSource) + " AND task = " + b.arg(StatementTask) + ")"
}

// PurgeSQL selects cols of at most limit entries p selects with ids above
// afterID, in id order, from tables (their union).
func (d Dialect) PurgeSQL(cols string, p PurgeSpec, afterID int64, limit int, tables ...string) (string, []any) {
	b := &sqlBuilder{d: d}
	parts := make([]string, len(tables))
	for i, t := range tables {
		b.start(t, p.Scope, Filter{To: p.Before})
		b.where = append(b.where, "id > "+b.arg(afterID), "id <= "+b.arg(p.MaxID), b.notStatement())
		parts[i] = "SELECT * FROM (SELECT " + cols + " FROM " + t + b.whereSQL() + " ORDER BY id LIMIT " + b.arg(limit) + ") AS " + t + "_part"
	}
	return "SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") AS purge ORDER BY id LIMIT " + b.arg(limit), b.args
}

// PurgeCountSQL counts the entries p selects in tables.
func (d Dialect) PurgeCountSQL(p PurgeSpec, tables ...string) (string, []any) {
	b := &sqlBuilder{d: d}
	parts := make([]string, len(tables))
	for i, t := range tables {
		b.start(t, p.Scope, Filter{To: p.Before})
		b.where = append(b.where, "id <= "+b.arg(p.MaxID), b.notStatement())
		parts[i] = "(SELECT count(*) FROM " + t + b.whereSQL() + ")"
	}
	return "SELECT " + strings.Join(parts, " + "), b.args
}

// PurgedRow is what a purge keeps of a deleted entry to build its bridges.
type PurgedRow struct {
	ID             int64
	PrevHash, Hash []byte
}

// BridgesOf turns the rows one purge step deleted (in id order) into
// bridges: one per run of consecutive ids.
func BridgesOf(anchorID int64, rows []PurgedRow) []Bridge {
	var out []Bridge
	for _, r := range rows {
		if n := len(out); n > 0 && out[n-1].ToID+1 == r.ID {
			out[n-1].ToID, out[n-1].EndHash = r.ID, r.Hash
			continue
		}
		out = append(out, Bridge{AnchorID: anchorID, FromID: r.ID, ToID: r.ID, PrevHash: r.PrevHash, EndHash: r.Hash})
	}
	return out
}

// AuditSettingsKey is the settings row of the audit log settings.
const AuditSettingsKey = "audit-log"

// CheckSettingValue refuses a value that is not a JSON document.
func CheckSettingValue(v json.RawMessage) error {
	if !json.Valid(v) {
		return fmt.Errorf("setting value is not JSON")
	}
	return nil
}
