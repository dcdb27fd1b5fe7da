// Package client is the Go SDK of Logbook: a typed client for the native
// /api/v1 API. Its types mirror the API's JSON, so that programs outside
// this module can use them without importing Logbook's internals.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Object is a typed object a task touched.
type Object struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Input is an audit log entry as an application reports it. Timestamp
// defaults to the time Logbook receives it; EventID makes a retry safe.
type Input struct {
	Timestamp            *time.Time      `json:"timestamp,omitempty"`
	UserName             string          `json:"user_name"`
	UserIP               string          `json:"user_ip,omitempty"`
	Domain               string          `json:"domain,omitempty"`
	Application          string          `json:"application"`
	Workspace            string          `json:"workspace,omitempty"`
	Task                 string          `json:"task"`
	Result               string          `json:"result"`
	JobID                int64           `json:"job_id,omitempty"`
	Description          string          `json:"description,omitempty"`
	AffectedObjects      []Object        `json:"affected_objects,omitempty"`
	AffectedObjectDetail json.RawMessage `json:"affected_object_detail,omitempty"`
	EventID              string          `json:"event_id,omitempty"`
}

// Entry is a stored audit log entry.
type Entry struct {
	ID                   int64     `json:"id"`
	Timestamp            time.Time `json:"timestamp"`
	RecordedAt           time.Time `json:"recorded_at"`
	UserName             string    `json:"user_name"`
	UserIP               string    `json:"user_ip"`
	Domain               string    `json:"domain"`
	Application          string    `json:"application"`
	Workspace            string    `json:"workspace"`
	Task                 string    `json:"task"`
	Result               string    `json:"result"`
	JobID                int64     `json:"job_id"`
	Description          string    `json:"description"`
	AffectedObjects      []Object  `json:"affected_objects"`
	AffectedObjectDetail string    `json:"affected_object_detail"`
	HasConfigChange      bool      `json:"has_config_change"`
	Source               string    `json:"source"`
	EventID              string    `json:"event_id"`
	PrevHash             string    `json:"prev_hash"`
	Hash                 string    `json:"hash"`
}

// Page is one page of a listing.
type Page struct {
	AuditLogs   []Entry `json:"audit_logs"`
	NextCursor  string  `json:"next_cursor"`
	PrevCursor  string  `json:"prev_cursor"`
	Total       int     `json:"total"`
	TotalCapped bool    `json:"total_capped"`
}

// FieldError names a field the server refused and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is an error answer of the API.
type Error struct {
	Status  int          `json:"-"`
	Message string       `json:"error"`
	Fields  []FieldError `json:"fields"`
}

func (e *Error) Error() string { return fmt.Sprintf("logbook: %d: %s", e.Status, e.Message) }

// Client talks to one Logbook server.
type Client struct {
	base  string
	http  *http.Client
	token string
}

// WithToken returns a copy of c that authenticates with an API token.
func (c *Client) WithToken(token string) *Client {
	cc := *c
	cc.token = token
	return &cc
}

// New returns a client for the server at baseURL (http://host:port).
// httpClient may be nil for a default with a 60 s timeout.
func New(baseURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: httpClient}
}

// Ingest stores entries and returns their ids, in order.
func (c *Client) Ingest(ctx context.Context, entries []Input) ([]int64, error) {
	body, err := json.Marshal(entries)
	if err != nil {
		return nil, fmt.Errorf("error encoding entries: %w", err)
	}
	return c.IngestJSON(ctx, body)
}

// IngestJSON posts an already encoded body: one entry, an array or NDJSON.
func (c *Client) IngestJSON(ctx context.Context, body []byte) ([]int64, error) {
	var out struct {
		IDs []int64 `json:"ids"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/audit-logs", body, &out)
	return out.IDs, err
}

// List reads one page; filters are the API's query parameters.
func (c *Client) List(ctx context.Context, filters url.Values) (*Page, error) {
	var p Page
	path := "/api/v1/audit-logs"
	if len(filters) > 0 {
		path += "?" + filters.Encode()
	}
	if err := c.do(ctx, http.MethodGet, path, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Get reads one entry.
func (c *Client) Get(ctx context.Context, id int64) (*Entry, error) {
	var e Entry
	if err := c.do(ctx, http.MethodGet, "/api/v1/audit-logs/"+strconv.FormatInt(id, 10), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		apiErr := &Error{Status: resp.StatusCode}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, apiErr) != nil || apiErr.Message == "" {
			apiErr.Message = strings.TrimSpace(string(b))
		}
		return apiErr
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("error decoding answer: %w", err)
	}
	return nil
}
