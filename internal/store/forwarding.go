package store

import (
	"context"
	"encoding/json"
	"time"
)

// Criterion is one forwarding criterion: where the entries it selects go,
// in which format, and how far delivery has come. Its configuration
// (everything up to UpdatedAt) changes only through UpdateCriterion; its
// delivery state only through SetDeliveryState, so that an administrator
// editing a criterion never races the forwarder moving its cursor.
type Criterion struct {
	ID          int64
	Name        string
	Description string
	Host        string
	Port        int
	Protocol    string // "udp", "tcp" or "tls"
	Format      string // "cef" or "rfc5424"
	Filter      string // search-language text; "" selects every entry
	Enabled     bool
	TLS         CriterionTLS
	// Scope is whose entries the criterion may forward: the domains of the
	// administrator who saved it last.
	Scope     Scope
	CreatedAt time.Time
	UpdatedAt time.Time

	Delivery DeliveryState
}

// CriterionTLS is what a TLS criterion connects with. Every field is
// optional: no CA means the system roots, no client certificate means
// none is offered, no server name means Host.
type CriterionTLS struct {
	CAPEM         string
	ClientCertPEM string
	ClientKeyPEM  string // a secret: never shown, never audited
	ServerName    string
}

// DeliveryState is how far the forwarder of a criterion has come.
type DeliveryState struct {
	// LastDeliveredID is the durable cursor: every selected entry with an
	// id up to it has been delivered.
	LastDeliveredID int64
	// InFlightID, when above LastDeliveredID, is the last id of a batch
	// the forwarder was handing to the operating system: it was recorded
	// just before the write, so a forwarder that finds it set after a
	// crash knows that the batch left the process.
	InFlightID   int64
	LastSuccess  time.Time // zero: never
	LastError    string
	LastErrorAt  time.Time // zero: never
	FailingSince time.Time // zero: the last attempt succeeded
}

// Forwarding keeps the forwarding criteria and their delivery cursors.
// Every engine implements it as part of Store.
type Forwarding interface {
	// CreateCriterion stores a new criterion with a zero delivery state
	// except LastDeliveredID, and returns it with its id and times;
	// ErrConflict when the name is taken.
	CreateCriterion(ctx context.Context, c Criterion) (Criterion, error)
	// GetCriterion returns one criterion; ErrNotFound if there is none.
	GetCriterion(ctx context.Context, id int64) (Criterion, error)
	// ListCriteria returns every criterion by id.
	ListCriteria(ctx context.Context) ([]Criterion, error)
	// UpdateCriterion reads a criterion, lets fn change its configuration
	// and writes it back in one transaction; the delivery state is not
	// written. ErrConflict when the new name is taken.
	UpdateCriterion(ctx context.Context, id int64, fn func(*Criterion) error) (Criterion, error)
	// DeleteCriterion removes a criterion; ErrNotFound if there is none.
	DeleteCriterion(ctx context.Context, id int64) error
	// SetDeliveryState writes the delivery state of a criterion if its
	// cursor (LastDeliveredID) still is expect, and answers ErrConflict
	// otherwise: a replay or another replica moved it. expect < 0 writes
	// unconditionally. ErrNotFound if the criterion is gone.
	SetDeliveryState(ctx context.Context, id int64, expect int64, s DeliveryState) error
}

// scopeJSON is the stored form of a Scope.
type scopeJSON struct {
	All     bool     `json:"all,omitempty"`
	Domains []string `json:"domains,omitempty"`
	Exact   []string `json:"exact,omitempty"`
}

// EncodeScope returns the text engines store a criterion's scope as.
func EncodeScope(s Scope) string {
	b, _ := json.Marshal(scopeJSON{All: s.All, Domains: s.Domains, Exact: s.Exact})
	return string(b)
}

// DecodeScope reads what EncodeScope wrote. Text it cannot read is the
// zero Scope, which sees nothing, so a damaged row forwards nothing.
func DecodeScope(text string) Scope {
	var v scopeJSON
	if json.Unmarshal([]byte(text), &v) != nil {
		return Scope{}
	}
	return Scope{All: v.All, Domains: v.Domains, Exact: v.Exact}
}
