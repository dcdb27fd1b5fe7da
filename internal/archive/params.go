package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// Kind is the handler name of archive/purge jobs.
const Kind = "archive-purge"

// DefaultOlderThanDays is the cut when a request names none (Junos Space's
// default).
const DefaultOlderThanDays = 90

// Formats of archive files.
const (
	FormatCSV    = "csv"
	FormatNDJSON = "ndjson"
)

// Remote is an SFTP server to archive to. HostKey is required: the
// server's public key as a known_hosts line or in authorized_keys format;
// a server that presents another key is refused.
type Remote struct {
	Host       string `json:"host"`
	Port       int    `json:"port,omitempty"`
	User       string `json:"user"`
	Password   string `json:"password,omitempty"`
	PrivateKey string `json:"private_key,omitempty"`
	HostKey    string `json:"host_key"`
	Dir        string `json:"dir,omitempty"`
}

// Schedule starts a purge later, or repeatedly, like any job.
type Schedule struct {
	Start      *string `json:"start,omitempty"`
	Recurrence string  `json:"recurrence,omitempty"`
}

// Request is POST /api/v1/archive-purge.
type Request struct {
	Before        *string   `json:"before,omitempty"`
	OlderThanDays *int      `json:"older_than_days,omitempty"`
	AllDomains    bool      `json:"all_domains"`
	Domain        string    `json:"domain,omitempty"`
	Archive       *bool     `json:"archive,omitempty"`
	Format        string    `json:"format,omitempty"`
	Remote        *Remote   `json:"remote,omitempty"`
	Schedule      *Schedule `json:"schedule,omitempty"`
}

// Params are an archive/purge job's parameters (store.Job.Params).
type Params struct {
	Before        string   `json:"before,omitempty"` // RFC 3339; or OlderThanDays
	OlderThanDays int      `json:"older_than_days,omitempty"`
	AllDomains    bool     `json:"all_domains"`
	Domains       []string `json:"domains"` // the scope: these domains and below
	Archive       bool     `json:"archive"`
	Format        string   `json:"format"`
	Remote        *Remote  `json:"remote,omitempty"`
	Retention     bool     `json:"retention,omitempty"` // created by the retention setting
}

// Scope is what the purge may delete: its domains and every domain below
// them (all of them when Global is one).
func (p Params) Scope() store.Scope {
	for _, d := range p.Domains {
		if d == audit.RootDomain {
			return store.AllDomains
		}
	}
	return store.Scope{Domains: p.Domains}
}

// Cut is the time before which entries go, for a run at now.
func (p Params) Cut(now time.Time) (time.Time, error) {
	if p.Before != "" {
		t, err := time.Parse(time.RFC3339Nano, p.Before)
		if err != nil {
			return time.Time{}, fmt.Errorf("before: %w", err)
		}
		return t.UTC(), nil
	}
	days := p.OlderThanDays
	if days <= 0 {
		days = DefaultOlderThanDays
	}
	return now.UTC().AddDate(0, 0, -days).Truncate(time.Microsecond), nil
}

// ParseParams reads a job's parameters.
func ParseParams(raw json.RawMessage) (Params, error) {
	var p Params
	if len(raw) == 0 {
		return p, errors.New("the job has no parameters: archive/purge jobs are created through /api/v1/archive-purge")
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("the job's parameters cannot be read: %w", err)
	}
	if len(p.Domains) == 0 {
		return p, errors.New("the job's parameters name no domain")
	}
	if p.Format != FormatCSV && p.Format != FormatNDJSON {
		return p, fmt.Errorf("the job's parameters name an unknown format %q", p.Format)
	}
	return p, nil
}
