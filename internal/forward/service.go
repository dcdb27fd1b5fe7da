package forward

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// Limits on a criterion's fields.
const (
	MaxNameLen        = 128
	MaxDescriptionLen = 1024
	MaxHostLen        = 253
	MaxFilterLen      = 4096
	MaxPEMLen         = 64 << 10
	DefaultPort       = 514
)

// TLSView is the TLS part of a criterion as the API shows and takes it.
// ClientKeyPEM is write-only: answers leave it empty and say with
// HasClientKey whether one is stored; an update that leaves it empty
// while keeping the client certificate keeps the stored key.
type TLSView struct {
	CAPEM         string `json:"ca_pem"`
	ClientCertPEM string `json:"client_cert_pem"`
	ClientKeyPEM  string `json:"client_key_pem"`
	ServerName    string `json:"server_name"`
	HasClientKey  bool   `json:"has_client_key"`
}

// Input is a criterion as a client sends it; nil fields take defaults.
type Input struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Host        string   `json:"host"`
	Port        *int     `json:"port"`
	Protocol    string   `json:"protocol"`
	Format      string   `json:"format"`
	Filter      string   `json:"filter"`
	Enabled     *bool    `json:"enabled"`
	TLS         *TLSView `json:"tls"`
}

// View is a criterion as the API answers it, with its delivery status.
type View struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Host            string   `json:"host"`
	Port            int      `json:"port"`
	Protocol        string   `json:"protocol"`
	Format          string   `json:"format"`
	Filter          string   `json:"filter"`
	Enabled         bool     `json:"enabled"`
	TLS             TLSView  `json:"tls"`
	Domains         []string `json:"domains"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
	LastDeliveredID int64    `json:"last_delivered_id"`
	Backlog         int      `json:"backlog"`
	LastSuccess     string   `json:"last_success,omitempty"`
	LastError       string   `json:"last_error,omitempty"`
	LastErrorAt     string   `json:"last_error_at,omitempty"`
	FailingSince    string   `json:"failing_since,omitempty"`
}

// Failing reports whether the last attempt of v's forwarder failed.
func (v View) Failing() bool { return v.FailingSince != "" }

// MaxBacklog is the most a backlog is counted to; a View's Backlog above
// it means "more than MaxBacklog".
const MaxBacklog = 100000

// Recorder writes an administrative event to the audit log; the access
// service is one.
type Recorder interface {
	Record(ctx context.Context, ev accounts.Event) error
}

// Service manages forwarding criteria for the API and the UI: it
// validates, keeps criteria within the caller's domains, records every
// change in the audit log (never a key) and tells the manager.
type Service struct {
	st  store.Store
	rec Recorder
	mgr *Manager // may be nil (no forwarders in this process)
	now func() time.Time
}

// NewService returns the service; mgr hears of changes when not nil.
func NewService(st store.Store, rec Recorder, mgr *Manager, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, rec: rec, mgr: mgr, now: now}
}

// InvalidError lists refused fields; nothing was stored.
type InvalidError = accounts.InvalidError

func (s *Service) changed() {
	if s.mgr != nil {
		s.mgr.Changed()
	}
}

// covers reports whether a caller with scope outer may manage a criterion
// forwarding scope inner: every domain inner sees, outer sees too. A
// criterion reaches what it forwards, so this is access.Tree.Manages
// (outer is what the caller's domains read) with the criterion's scope as
// its reach: an administrator of Global/EMEA neither lists nor changes a
// criterion of Global, of every domain, or of a peer.
func covers(outer, inner store.Scope) bool { return outer.Covers(inner) }

// scopeDomains names a scope's domains for the API.
func scopeDomains(s store.Scope) []string {
	if s.All {
		return []string{audit.RootDomain}
	}
	out := append([]string{}, s.Domains...)
	for _, d := range s.Exact {
		out = append(out, d+" (own entries only)")
	}
	return out
}

// view turns a stored criterion into its API form.
func (s *Service) view(ctx context.Context, c store.Criterion) View {
	v := View{ID: c.ID, Name: c.Name, Description: c.Description, Host: c.Host, Port: c.Port, Protocol: c.Protocol,
		Format: c.Format, Filter: c.Filter, Enabled: c.Enabled,
		TLS:     TLSView{CAPEM: c.TLS.CAPEM, ClientCertPEM: c.TLS.ClientCertPEM, ServerName: c.TLS.ServerName, HasClientKey: c.TLS.ClientKeyPEM != ""},
		Domains: scopeDomains(c.Scope), CreatedAt: audit.FormatTime(c.CreatedAt), UpdatedAt: audit.FormatTime(c.UpdatedAt),
		LastDeliveredID: c.Delivery.LastDeliveredID, LastSuccess: audit.FormatTime(c.Delivery.LastSuccess),
		LastError: c.Delivery.LastError, LastErrorAt: audit.FormatTime(c.Delivery.LastErrorAt),
		FailingSince: audit.FormatTime(c.Delivery.FailingSince)}
	if n, err := Backlog(ctx, s.st, c, MaxBacklog); err == nil {
		v.Backlog = n
	}
	return v
}

// List returns the criteria within scope, by id.
func (s *Service) List(ctx context.Context, scope store.Scope) ([]View, error) {
	cs, err := s.st.ListCriteria(ctx)
	if err != nil {
		return nil, err
	}
	out := []View{}
	for _, c := range cs {
		if covers(scope, c.Scope) {
			out = append(out, s.view(ctx, c))
		}
	}
	return out, nil
}

// get returns a criterion within scope; store.ErrNotFound otherwise.
func (s *Service) get(ctx context.Context, scope store.Scope, id int64) (store.Criterion, error) {
	c, err := s.st.GetCriterion(ctx, id)
	if err != nil {
		return store.Criterion{}, err
	}
	if !covers(scope, c.Scope) {
		return store.Criterion{}, fmt.Errorf("forwarding criterion %d: %w", id, store.ErrNotFound)
	}
	return c, nil
}

// Get returns one criterion within scope.
func (s *Service) Get(ctx context.Context, scope store.Scope, id int64) (View, error) {
	c, err := s.get(ctx, scope, id)
	if err != nil {
		return View{}, err
	}
	return s.view(ctx, c), nil
}

// Create validates in and stores it as a criterion forwarding the
// caller's domains. A new criterion starts at the newest entry: it
// forwards what is recorded from now on (replay sends older entries).
func (s *Service) Create(ctx context.Context, by accounts.Actor, scope store.Scope, in Input) (View, error) {
	c, err := s.validate(in, nil)
	if err != nil {
		return View{}, err
	}
	head, _, err := s.st.Head(ctx)
	if err != nil {
		return View{}, err
	}
	c.Scope, c.Delivery.LastDeliveredID = scope, head
	c, err = s.st.CreateCriterion(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return View{}, invalid("name", fmt.Sprintf("a forwarding criterion named %q exists", in.Name))
	}
	if err != nil {
		return View{}, err
	}
	if err := s.record(ctx, by, "Add Forwarding Criterion", fmt.Sprintf("%s added the forwarding criterion %s.", by.Name, c.Name),
		c, map[string]any{"after": auditFields(c)}); err != nil {
		return View{}, err
	}
	s.changed()
	return s.view(ctx, c), nil
}

// Update replaces the configuration of a criterion within scope.
func (s *Service) Update(ctx context.Context, by accounts.Actor, scope store.Scope, id int64, in Input) (View, error) {
	before, err := s.get(ctx, scope, id)
	if err != nil {
		return View{}, err
	}
	next, err := s.validate(in, &before)
	if err != nil {
		return View{}, err
	}
	after, err := s.st.UpdateCriterion(ctx, id, func(c *store.Criterion) error {
		if !covers(scope, c.Scope) {
			return fmt.Errorf("forwarding criterion %d: %w", id, store.ErrNotFound)
		}
		next.Scope = c.Scope
		*c = next
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return View{}, invalid("name", fmt.Sprintf("a forwarding criterion named %q exists", in.Name))
	}
	if err != nil {
		return View{}, err
	}
	if err := s.record(ctx, by, "Modify Forwarding Criterion", fmt.Sprintf("%s modified the forwarding criterion %s.", by.Name, after.Name),
		after, map[string]any{"before": auditFields(before), "after": auditFields(after)}); err != nil {
		return View{}, err
	}
	s.changed()
	return s.view(ctx, after), nil
}

// Delete removes a criterion within scope.
func (s *Service) Delete(ctx context.Context, by accounts.Actor, scope store.Scope, id int64) error {
	c, err := s.get(ctx, scope, id)
	if err != nil {
		return err
	}
	if err := s.st.DeleteCriterion(ctx, id); err != nil {
		return err
	}
	s.changed()
	return s.record(ctx, by, "Delete Forwarding Criterion", fmt.Sprintf("%s deleted the forwarding criterion %s.", by.Name, c.Name),
		c, map[string]any{"before": auditFields(c)})
}

// Replay is where a replay starts: at an entry id, or at the first entry
// (in id order) whose timestamp is at or after a time.
type Replay struct {
	FromID   *int64     `json:"from_id"`
	FromTime *time.Time `json:"from_time"`
}

// Replay moves the cursor of a criterion within scope back (or forward)
// so that its forwarder sends again every selected entry from the start
// that r names.
func (s *Service) Replay(ctx context.Context, by accounts.Actor, scope store.Scope, id int64, r Replay) (View, error) {
	c, err := s.get(ctx, scope, id)
	if err != nil {
		return View{}, err
	}
	head, _, err := s.st.Head(ctx)
	if err != nil {
		return View{}, err
	}
	var cursor int64
	var from string
	switch {
	case (r.FromID == nil) == (r.FromTime == nil):
		return View{}, invalid("from_id", "give either from_id or from_time")
	case r.FromID != nil:
		if *r.FromID < 1 {
			return View{}, invalid("from_id", "must be a positive entry id")
		}
		if *r.FromID > head+1 {
			return View{}, invalid("from_id", fmt.Sprintf("must be at most %d, one past the newest entry", head+1))
		}
		cursor, from = *r.FromID-1, fmt.Sprintf("entry %d", *r.FromID)
	default:
		p, err := s.st.List(ctx, c.Scope, store.Query{Filter: store.Filter{From: r.FromTime.UTC()}, Sort: store.Sort{Field: store.SortID}, Limit: 1})
		if err != nil {
			return View{}, err
		}
		cursor = head
		if len(p.Entries) > 0 {
			cursor = p.Entries[0].ID - 1
		}
		from = audit.FormatTime(*r.FromTime)
	}
	d := c.Delivery
	d.LastDeliveredID, d.InFlightID = cursor, 0
	if err := s.st.SetDeliveryState(ctx, id, -1, d); err != nil {
		return View{}, err
	}
	c.Delivery = d
	if err := s.record(ctx, by, "Replay Forwarding Criterion",
		fmt.Sprintf("%s replayed the forwarding criterion %s from %s.", by.Name, c.Name, from),
		c, map[string]any{"from": from, "last_delivered_id": cursor}); err != nil {
		return View{}, err
	}
	s.changed()
	return s.view(ctx, c), nil
}

func (s *Service) record(ctx context.Context, by accounts.Actor, task, text string, c store.Criterion, detail any) error {
	return s.rec.Record(ctx, accounts.Event{Actor: by.Name, IP: by.IP, Task: task, Workspace: "Audit Log Forwarding",
		Result: audit.ResultSuccess, Text: text, Objects: []audit.Object{{Type: "Forwarding Criterion", ID: fmt.Sprint(c.ID), Name: c.Name}},
		Detail: detail})
}

// auditFields are the fields of a criterion an audit entry shows: never
// the client key, and certificates only as whether they are set.
func auditFields(c store.Criterion) map[string]any {
	return map[string]any{"name": c.Name, "description": c.Description, "host": c.Host, "port": c.Port,
		"protocol": c.Protocol, "format": c.Format, "filter": c.Filter, "enabled": c.Enabled,
		"tls_ca": c.TLS.CAPEM != "", "tls_client_cert": c.TLS.ClientCertPEM != "", "tls_server_name": c.TLS.ServerName}
}

func invalid(field, reason string) error {
	return &InvalidError{Fields: []audit.FieldError{{Field: field, Reason: reason}}}
}

// validate checks every field of in and returns the criterion it makes,
// or an InvalidError naming each bad field. before is the stored
// criterion of an update, whose client key is kept when in gives none.
func (s *Service) validate(in Input, before *store.Criterion) (store.Criterion, error) {
	var errs []audit.FieldError
	bad := func(field, reason string) { errs = append(errs, audit.FieldError{Field: field, Reason: reason}) }
	c := store.Criterion{Name: in.Name, Description: in.Description, Host: in.Host, Protocol: in.Protocol,
		Format: in.Format, Filter: in.Filter, Port: DefaultPort, Enabled: true}
	switch {
	case in.Name == "" || strings.TrimSpace(in.Name) != in.Name:
		bad("name", "is required, without leading or trailing spaces")
	case len(in.Name) > MaxNameLen:
		bad("name", fmt.Sprintf("must be at most %d bytes", MaxNameLen))
	case !singleLine(in.Name):
		bad("name", "must be one line of text without control characters")
	}
	if len(in.Description) > MaxDescriptionLen {
		bad("description", fmt.Sprintf("must be at most %d bytes", MaxDescriptionLen))
	} else if !singleLine(in.Description) {
		bad("description", "must be one line of text without control characters")
	}
	if reason := checkHost(in.Host); reason != "" {
		bad("host", reason)
	}
	if in.Port != nil {
		c.Port = *in.Port
		if c.Port < 1 || c.Port > 65535 {
			bad("port", "must be from 1 to 65535")
		}
	}
	if c.Protocol == "" {
		c.Protocol = ProtocolTCP
	}
	if c.Protocol != ProtocolUDP && c.Protocol != ProtocolTCP && c.Protocol != ProtocolTLS {
		bad("protocol", "must be udp, tcp or tls")
	}
	if c.Format == "" {
		c.Format = FormatCEF
	}
	if c.Format != FormatCEF && c.Format != FormatRFC5424 {
		bad("format", "must be cef or rfc5424")
	}
	if len(in.Filter) > MaxFilterLen {
		bad("filter", fmt.Sprintf("must be at most %d bytes", MaxFilterLen))
	} else if _, err := ParseFilter(in.Filter, s.now()); err != nil {
		var se *search.SyntaxError
		if errors.As(err, &se) {
			bad("filter", fmt.Sprintf("at position %d: %s", se.Pos, se.Msg))
		} else {
			bad("filter", err.Error())
		}
	}
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	if t := in.TLS; t != nil {
		c.TLS = store.CriterionTLS{CAPEM: t.CAPEM, ClientCertPEM: t.ClientCertPEM, ClientKeyPEM: t.ClientKeyPEM, ServerName: t.ServerName}
		if c.TLS.ClientKeyPEM == "" && before != nil && c.TLS.ClientCertPEM != "" && c.TLS.ClientCertPEM == before.TLS.ClientCertPEM {
			c.TLS.ClientKeyPEM = before.TLS.ClientKeyPEM
		}
		if c.Protocol != ProtocolTLS && (c.TLS != store.CriterionTLS{}) {
			bad("tls", "is only for protocol tls")
		}
		for _, p := range []struct{ field, v string }{{"tls.ca_pem", c.TLS.CAPEM}, {"tls.client_cert_pem", c.TLS.ClientCertPEM}, {"tls.client_key_pem", c.TLS.ClientKeyPEM}} {
			if len(p.v) > MaxPEMLen {
				bad(p.field, fmt.Sprintf("must be at most %d bytes", MaxPEMLen))
			}
		}
		if c.TLS.CAPEM != "" && len(c.TLS.CAPEM) <= MaxPEMLen {
			if reason := checkCertificates(c.TLS.CAPEM); reason != "" {
				bad("tls.ca_pem", reason)
			}
		}
		switch {
		case len(c.TLS.ClientCertPEM) > MaxPEMLen || len(c.TLS.ClientKeyPEM) > MaxPEMLen:
		case c.TLS.ClientCertPEM == "" && c.TLS.ClientKeyPEM != "":
			bad("tls.client_cert_pem", "is required with a client key")
		case c.TLS.ClientCertPEM != "" && c.TLS.ClientKeyPEM == "":
			bad("tls.client_key_pem", "is required with a client certificate")
		case c.TLS.ClientCertPEM != "":
			if _, err := tls.X509KeyPair([]byte(c.TLS.ClientCertPEM), []byte(c.TLS.ClientKeyPEM)); err != nil {
				bad("tls.client_cert_pem", "is not a PEM certificate matching the client key")
			}
		}
		if c.TLS.ServerName != "" {
			if reason := checkHost(c.TLS.ServerName); reason != "" {
				bad("tls.server_name", reason)
			}
		}
	}
	if len(errs) > 0 {
		return store.Criterion{}, &InvalidError{Fields: errs}
	}
	return c, nil
}

// singleLine reports whether s is valid UTF-8 without control characters.
func singleLine(s string) bool {
	return strings.ToValidUTF8(s, "") == s && strings.IndexFunc(s, unicode.IsControl) < 0
}

// checkHost says what is wrong with a host name or IP address, or "".
func checkHost(h string) string {
	if h == "" {
		return "is required: a host name or an IP address"
	}
	if len(h) > MaxHostLen {
		return fmt.Sprintf("must be at most %d bytes", MaxHostLen)
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return ""
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "must be a host name (letters, digits, hyphens and dots) or an IP address"
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return "must be a host name (letters, digits, hyphens and dots) or an IP address"
			}
		}
	}
	return ""
}

// checkCertificates says what is wrong with a PEM bundle of CA
// certificates, or "".
func checkCertificates(text string) string {
	rest := []byte(text)
	n := 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Sprintf("holds a %q block; only CERTIFICATE blocks belong here", b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "holds a certificate that does not parse"
		}
		n++
	}
	if n == 0 {
		return "holds no PEM certificate"
	}
	return ""
}
