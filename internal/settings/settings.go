// Package settings keeps the audit log settings administrators change at
// run time (GET/PUT /api/v1/settings/audit-log, /admin/settings): whether
// GET requests to the API are recorded, whether Logbook's own successful
// tasks are logged, the forwarding interval and the retention policy.
// They live in the database, so every replica reads the same; each
// replica caches them for a few seconds.
package settings

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// AuditSettings are the audit log settings (the API's JSON).
type AuditSettings struct {
	// RecordHTTPGet records every authenticated GET request to /api/v1 as
	// an audit log entry (Junos Space's record-http-get-method).
	RecordHTTPGet bool `json:"record_http_get"`
	// LogSuccess logs Logbook's own tasks that succeeded (Junos Space's
	// log-success-scenario); when false only their failures are logged.
	// Entries that applications report are always stored.
	LogSuccess bool `json:"log_success"`
	// ForwardingIntervalSeconds is how often forwarders send a batch.
	ForwardingIntervalSeconds int `json:"forwarding_interval_seconds"`
	// RetentionDays purges entries older than this many days, every day;
	// 0 turns the policy off.
	RetentionDays int `json:"retention_days"`
	// RetentionArchive archives what the retention policy purges first.
	RetentionArchive bool `json:"retention_archive"`
}

// Defaults are the settings before anyone changes them.
func Defaults() AuditSettings {
	return AuditSettings{LogSuccess: true, ForwardingIntervalSeconds: 5, RetentionArchive: true}
}

// Limits of the settings.
const (
	MinForwardingInterval = 1
	MaxForwardingInterval = 3600
	MaxRetentionDays      = 36500
)

// Change is a PUT: the fields given replace the current ones.
type Change struct {
	RecordHTTPGet             *bool `json:"record_http_get"`
	LogSuccess                *bool `json:"log_success"`
	ForwardingIntervalSeconds *int  `json:"forwarding_interval_seconds"`
	RetentionDays             *int  `json:"retention_days"`
	RetentionArchive          *bool `json:"retention_archive"`
}

// InvalidError names every refused field.
type InvalidError struct{ Fields []audit.FieldError }

func (e *InvalidError) Error() string {
	return fmt.Sprintf("%d invalid field(s); nothing was changed", len(e.Fields))
}

// ErrForbidden refuses a change by someone who may not make it.
var ErrForbidden = fmt.Errorf("forbidden: changing the audit log settings needs the Audit Log Administrator role in the Global domain")

// stored is the settings row: the settings and the retention job.
type stored struct {
	AuditSettings
	RetentionJobID int64 `json:"retention_job_id,omitempty"`
}

// RetentionFunc puts a retention policy in place (cancelling the job
// oldJobID) and returns the id of its new job.
type RetentionFunc func(ctx context.Context, req accounts.Request, oldJobID int64, days int, archive bool) (int64, error)

// Recorder records audit log entries durably; the ingest writer is one.
type Recorder interface {
	Submit(ctx context.Context, entries []audit.Entry) ([]int64, error)
}

// cacheFor is how long a replica keeps the settings before reading them
// again, so a change made on another replica applies within seconds.
const cacheFor = 5 * time.Second

// Service reads and changes the settings.
type Service struct {
	st        store.Store
	rec       Recorder
	now       func() time.Time
	retention RetentionFunc

	mu     sync.Mutex
	cached stored
	at     time.Time
}

// New returns the service. rec records changes; it should be the ingest
// writer itself (a change of the settings is always audited).
func New(st store.Store, rec Recorder, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, rec: rec, now: now}
}

// SetRetention gives the service what puts the retention policy in place.
func (s *Service) SetRetention(fn RetentionFunc) { s.retention = fn }

func (s *Service) load(ctx context.Context) (stored, error) {
	s.mu.Lock()
	if !s.at.IsZero() && time.Since(s.at) < cacheFor {
		v := s.cached
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	raw, err := s.st.Setting(ctx, store.AuditSettingsKey)
	if err != nil {
		return stored{}, err
	}
	v, err := decode(raw)
	if err != nil {
		return stored{}, err
	}
	s.mu.Lock()
	s.cached, s.at = v, time.Now()
	s.mu.Unlock()
	return v, nil
}

func decode(raw json.RawMessage) (stored, error) {
	v := stored{AuditSettings: Defaults()}
	if len(raw) == 0 {
		return v, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return stored{}, fmt.Errorf("error reading the audit log settings: %w", err)
	}
	return v, nil
}

// Get returns the current settings. The forwarding engine reads its
// interval here.
func (s *Service) Get(ctx context.Context) (AuditSettings, error) {
	v, err := s.load(ctx)
	return v.AuditSettings, err
}

// RetentionJobID is the id of the retention policy's recurring job; 0
// when the policy is off.
func (s *Service) RetentionJobID(ctx context.Context) (int64, error) {
	v, err := s.load(ctx)
	return v.RetentionJobID, err
}

// MayChange reports whether req's caller may change the settings: an
// Audit Log Administrator (or Super Administrator) of Global, since the
// settings apply to every domain.
func MayChange(req accounts.Request) bool {
	return req.Subject.Can(access.ManageAuditSettings) && slices.Contains(req.Subject.Domains, audit.RootDomain)
}

// Validate applies c to cur and names every bad field.
func Validate(cur AuditSettings, c Change) (AuditSettings, error) {
	var errs []audit.FieldError
	next := cur
	if c.RecordHTTPGet != nil {
		next.RecordHTTPGet = *c.RecordHTTPGet
	}
	if c.LogSuccess != nil {
		next.LogSuccess = *c.LogSuccess
	}
	if c.RetentionArchive != nil {
		next.RetentionArchive = *c.RetentionArchive
	}
	if c.ForwardingIntervalSeconds != nil {
		if v := *c.ForwardingIntervalSeconds; v < MinForwardingInterval || v > MaxForwardingInterval {
			errs = append(errs, audit.FieldError{Field: "forwarding_interval_seconds", Reason: fmt.Sprintf("must be from %d to %d", MinForwardingInterval, MaxForwardingInterval)})
		} else {
			next.ForwardingIntervalSeconds = v
		}
	}
	if c.RetentionDays != nil {
		if v := *c.RetentionDays; v < 0 || v > MaxRetentionDays {
			errs = append(errs, audit.FieldError{Field: "retention_days", Reason: fmt.Sprintf("must be from 0 (off) to %d", MaxRetentionDays)})
		} else {
			next.RetentionDays = v
		}
	}
	if len(errs) > 0 {
		return cur, &InvalidError{Fields: errs}
	}
	return next, nil
}

// Update applies a change, puts a changed retention policy in place and
// records the change with the settings before and after.
func (s *Service) Update(ctx context.Context, req accounts.Request, c Change) (AuditSettings, error) {
	if !MayChange(req) {
		return AuditSettings{}, ErrForbidden
	}
	raw, err := s.st.Setting(ctx, store.AuditSettingsKey)
	if err != nil {
		return AuditSettings{}, err
	}
	cur, err := decode(raw)
	if err != nil {
		return AuditSettings{}, err
	}
	next, err := Validate(cur.AuditSettings, c)
	if err != nil {
		return AuditSettings{}, err
	}
	jobID := cur.RetentionJobID
	if (next.RetentionDays != cur.RetentionDays || next.RetentionArchive != cur.RetentionArchive ||
		(next.RetentionDays > 0 && jobID == 0)) && s.retention != nil {
		if jobID, err = s.retention(ctx, req, cur.RetentionJobID, next.RetentionDays, next.RetentionArchive); err != nil {
			return AuditSettings{}, err
		}
	}
	var before stored
	err = s.st.UpdateSetting(ctx, store.AuditSettingsKey, func(old json.RawMessage) (json.RawMessage, error) {
		var err error
		if before, err = decode(old); err != nil {
			return nil, err
		}
		return json.Marshal(stored{AuditSettings: next, RetentionJobID: jobID})
	})
	if err != nil {
		return AuditSettings{}, err
	}
	s.mu.Lock()
	s.cached, s.at = stored{AuditSettings: next, RetentionJobID: jobID}, time.Now()
	s.mu.Unlock()
	return next, s.record(ctx, req, before.AuditSettings, next, jobID)
}

func (s *Service) record(ctx context.Context, req accounts.Request, before, after AuditSettings, jobID int64) error {
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	detail, _ := json.Marshal(map[string]any{"before": before, "after": after, "retention_job_id": jobID})
	name := req.Subject.Name
	if name == "" {
		name = "logbook"
	}
	e := audit.Entry{Timestamp: s.now().UTC().Truncate(time.Microsecond), UserName: name, UserIP: req.IP,
		Domain: audit.RootDomain, Application: "Logbook", Workspace: "Settings", Task: "Modify Audit Log Settings",
		Result: audit.ResultSuccess, Description: fmt.Sprintf("Audit log settings changed from %s to %s.", b, a),
		AffectedObjectDetail: string(detail), Source: "logbook"}
	if _, err := s.rec.Submit(ctx, []audit.Entry{e}); err != nil {
		return fmt.Errorf("error recording the change of the audit log settings: %w", err)
	}
	return nil
}

// Filter returns a recorder that passes entries on to next, except, while
// LogSuccess is off, Logbook's own entries (source "logbook") whose result
// is Success. Entries applications report are never filtered: what an
// application logs is its decision. Changes of the settings and purges
// are recorded around the filter, so they always show.
func (s *Service) Filter(next Recorder) Recorder { return filter{s: s, next: next} }

type filter struct {
	s    *Service
	next Recorder
}

func (f filter) Submit(ctx context.Context, entries []audit.Entry) ([]int64, error) {
	set, err := f.s.Get(ctx)
	if err != nil || set.LogSuccess {
		return f.next.Submit(ctx, entries)
	}
	kept := make([]audit.Entry, 0, len(entries))
	at := make([]int, 0, len(entries))
	for i, e := range entries {
		if e.Source == "logbook" && e.Result == audit.ResultSuccess {
			continue
		}
		kept = append(kept, e)
		at = append(at, i)
	}
	ids := make([]int64, len(entries))
	if len(kept) == 0 {
		return ids, nil
	}
	got, err := f.next.Submit(ctx, kept)
	if err != nil {
		return nil, err
	}
	for k, i := range at {
		if k < len(got) {
			ids[i] = got[k]
		}
	}
	return ids, nil
}
