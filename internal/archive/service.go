// Package archive is Logbook's archive/purge: it schedules purges as jobs,
// writes the entries a purge removes to an archive file (local or over
// SFTP) before anything is deleted, purges through the store (which leaves
// an anchor so the chain still verifies), records the purge in the audit
// log, verifies archive files against their anchors, and keeps the
// retention policy's recurring job. See docs/archive-purge.md.
package archive

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// Errors a caller maps to answers.
var (
	// ErrForbidden refuses a purge of domains outside the caller's.
	ErrForbidden = errors.New("forbidden: the purge names a domain outside your domains")
	// ErrBusy fails a purge while another one runs (on any replica).
	ErrBusy = errors.New("another archive/purge is running; this one stopped before archiving or deleting anything (run it again when that one has ended)")
)

// LockName is the store lock only one purge at a time holds.
const LockName = "archive-purge"

// Recorder records audit log entries durably; the ingest writer is one.
type Recorder interface {
	Submit(ctx context.Context, entries []audit.Entry) ([]int64, error)
}

// Options configure the service.
type Options struct {
	// Dir is the local archive directory (default: <data>/archive).
	Dir string
	// BatchSize is how many entries one delete transaction removes.
	BatchSize int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// ProofWait is how long an NDJSON archive waits for a signed
	// checkpoint that covers its entries, to carry their log proof; 0
	// does not wait (a server signs one every second or so). Without one
	// the archive verifies only against its purge anchor.
	ProofWait time.Duration
	// Log receives what the service does not return.
	Log *slog.Logger
}

// Service schedules and runs archive/purge jobs.
type Service struct {
	st   store.Store
	rec  Recorder
	jobs *job.Service
	opts Options
}

// New returns the service. rec records the purges: it should be the
// ingest writer itself, not a filter of it, since a purge is always
// audited.
func New(st store.Store, rec Recorder, jobs *job.Service, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Service{st: st, rec: rec, jobs: jobs, opts: opts}
}

// Dir is the local archive directory.
func (s *Service) Dir() string { return s.opts.Dir }

// maxScopedAnchors bounds how many of the newest anchors a caller who does
// not manage every domain has picked from. A purge leaves one anchor, so
// this is years of daily purges.
const maxScopedAnchors = 10000

// Anchors lists at most limit of the most recent purges that req's caller
// manages (access.Tree.Manages): those whose every domain, with all below
// it, is within the caller's, so that a purge of Global, of every domain
// or of a peer is not shown to an administrator of Global/EMEA. The store
// lists anchors newest first without a scope, so the pick is made here
// from the newest maxScopedAnchors.
func (s *Service) Anchors(ctx context.Context, req accounts.Request, limit int) ([]store.Anchor, error) {
	if req.Scope.All {
		return s.st.Anchors(ctx, limit)
	}
	as, err := s.st.Anchors(ctx, max(limit, maxScopedAnchors))
	if err != nil {
		return nil, err
	}
	out := []store.Anchor{}
	for _, a := range as {
		if len(out) == limit {
			break
		}
		if req.Scope.Covers(access.Reach(a.Domains)) {
			out = append(out, a)
		}
	}
	return out, nil
}

// Schedule checks a request and creates its job: now, at a start time or
// recurring. Bad fields are a *job.InvalidError naming each; a domain
// outside the caller's is ErrForbidden.
func (s *Service) Schedule(ctx context.Context, req accounts.Request, tree *access.Tree, in Request) (store.Job, error) {
	if !req.Subject.Can(access.PurgeAuditLogs) {
		return store.Job{}, ErrForbidden
	}
	p, errs := s.paramsOf(in)
	own := req.Subject.Domains
	mine := store.Scope{Domains: own}
	switch {
	case in.AllDomains:
		p.Domains = append([]string{}, own...)
	case in.Domain != "":
		if reason := audit.CheckDomain(in.Domain); reason != "" {
			errs = append(errs, audit.FieldError{Field: "domain", Reason: reason})
		} else if !mine.Allows(in.Domain) {
			return store.Job{}, ErrForbidden
		}
		p.Domains = []string{in.Domain}
	case len(own) > 0:
		p.Domains = []string{own[0]}
	}
	if len(p.Domains) == 0 && len(errs) == 0 {
		return store.Job{}, ErrForbidden
	}
	if len(errs) > 0 {
		return store.Job{}, &job.InvalidError{Fields: errs}
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return store.Job{}, err
	}
	nj := job.NewJob{Name: "Archive and Purge Audit Logs", JobType: "Archive/Purge", Handler: Kind, Params: raw,
		Domain: p.Domains[0], Summary: Describe(p)}
	if in.Schedule != nil {
		nj.ScheduledStart, nj.Recurrence = in.Schedule.Start, in.Schedule.Recurrence
	}
	return s.jobs.CreateLogbookJob(ctx, req, tree, nj)
}

// paramsOf checks the fields of a request that do not depend on who asks.
func (s *Service) paramsOf(in Request) (Params, []audit.FieldError) {
	var errs []audit.FieldError
	bad := func(f, r string) { errs = append(errs, audit.FieldError{Field: f, Reason: r}) }
	p := Params{AllDomains: in.AllDomains, Archive: true, Format: FormatCSV}
	switch {
	case in.Before != nil && in.OlderThanDays != nil:
		bad("before", "give before or older_than_days, not both")
	case in.Before != nil:
		t, err := time.Parse(time.RFC3339Nano, *in.Before)
		if err != nil {
			bad("before", "must be an RFC 3339 time such as 2026-01-01T00:00:00Z")
		} else {
			p.Before = t.UTC().Format(time.RFC3339Nano)
		}
	case in.OlderThanDays != nil:
		if *in.OlderThanDays < 1 || *in.OlderThanDays > 36500 {
			bad("older_than_days", "must be from 1 to 36500")
		}
		p.OlderThanDays = *in.OlderThanDays
	default:
		p.OlderThanDays = DefaultOlderThanDays
	}
	if in.Archive != nil {
		p.Archive = *in.Archive
	}
	switch in.Format {
	case "", FormatCSV:
	case FormatNDJSON:
		p.Format = FormatNDJSON
	default:
		bad("format", "must be csv or ndjson")
	}
	if in.Remote != nil {
		if !p.Archive {
			bad("remote", "applies only when archive is true")
		}
		r := *in.Remote
		if r.Port == 0 {
			r.Port = 22
		}
		errs = append(errs, checkRemote(r)...)
		p.Remote = &r
	}
	return p, errs
}

func checkRemote(r Remote) []audit.FieldError {
	var errs []audit.FieldError
	bad := func(f, reason string) { errs = append(errs, audit.FieldError{Field: "remote." + f, Reason: reason}) }
	if r.Host == "" || strings.ContainsAny(r.Host, " /\t\r\n") {
		bad("host", "is required: a host name or address")
	}
	if r.Port < 1 || r.Port > 65535 {
		bad("port", "must be from 1 to 65535")
	}
	if r.User == "" {
		bad("user", "is required")
	}
	if (r.Password == "") == (r.PrivateKey == "") {
		bad("password", "give password or private_key (exactly one)")
	}
	if r.PrivateKey != "" {
		if _, err := parsePrivateKey(r.PrivateKey); err != nil {
			bad("private_key", "is not a private key in OpenSSH or PEM format without a passphrase")
		}
	}
	if r.HostKey == "" {
		bad("host_key", "is required: the server's public key as a known_hosts line or in authorized_keys format (host keys are always checked)")
	} else if _, err := parseHostKey(r.HostKey); err != nil {
		bad("host_key", "is not a known_hosts line or an authorized_keys public key")
	}
	if strings.ContainsAny(r.Dir, "\x00\r\n") {
		bad("dir", "contains control characters")
	}
	return errs
}

// Describe says in words what a purge does.
func Describe(p Params) string {
	cut := fmt.Sprintf("older than %d days", p.OlderThanDays)
	if p.Before != "" {
		cut = "recorded before " + p.Before
	}
	where := "domain " + strings.Join(p.Domains, ", ")
	if p.AllDomains {
		where = "domains " + strings.Join(p.Domains, ", ") + " and below"
	}
	what := "purge without archiving"
	if p.Archive {
		what = "archive (" + p.Format + ") and purge"
		if p.Remote != nil {
			what = fmt.Sprintf("archive (%s) to sftp://%s@%s:%d/%s and purge", p.Format, p.Remote.User, p.Remote.Host, p.Remote.Port, p.Remote.Dir)
		}
	}
	return fmt.Sprintf("%s the audit logs %s in %s", what, cut, where)
}

// FileName is the name of a new archive file.
func FileName(now time.Time, format string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("LogbookAuditLog_%s_%s.%s.gz", now.UTC().Format("2006-01-02_15-04-05"), hex.EncodeToString(b), format)
}
