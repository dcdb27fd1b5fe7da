package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
)

// SortField names a column the listing can be ordered by. Every sort ends in
// the tie-breaker (timestamp, id), so that keyset paging is exact.
type SortField string

// The sortable columns. Description is free text and not sortable: an index
// over it would cost more at ingest than sorting prose is worth.
const (
	SortID          SortField = "id"
	SortTimestamp   SortField = "timestamp"
	SortUserName    SortField = "user_name"
	SortUserIP      SortField = "user_ip"
	SortDomain      SortField = "domain"
	SortApplication SortField = "application"
	SortWorkspace   SortField = "workspace"
	SortTask        SortField = "task"
	SortResult      SortField = "result"
	SortJobID       SortField = "job_id"
)

// SortFields lists every sortable field.
var SortFields = []SortField{SortID, SortTimestamp, SortUserName, SortUserIP, SortDomain,
	SortApplication, SortWorkspace, SortTask, SortResult, SortJobID}

// Sort is an order: a field and a direction. The tie-breakers follow the
// same direction.
type Sort struct {
	Field SortField
	Desc  bool
}

// DefaultSort is newest first.
var DefaultSort = Sort{Field: SortTimestamp, Desc: true}

// ParseSort reads "field" (ascending) or "-field" (descending).
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return DefaultSort, nil
	}
	out := Sort{}
	if strings.HasPrefix(s, "-") {
		out.Desc, s = true, s[1:]
	}
	for _, f := range SortFields {
		if string(f) == s {
			out.Field = f
			return out, nil
		}
	}
	return Sort{}, fmt.Errorf("unknown sort field %q", s)
}

func (s Sort) String() string {
	if s.Desc {
		return "-" + string(s.Field)
	}
	return string(s.Field)
}

// Cursor is a position in a sorted listing: the sort key of the entry at the
// page edge. Backward cursors read the page before that entry.
type Cursor struct {
	Sort     string `json:"s"`
	Text     string `json:"v,omitempty"` // sort value of text fields
	Num      int64  `json:"n,omitempty"` // sort value of job_id
	TS       int64  `json:"t"`           // timestamp in microseconds
	ID       int64  `json:"i"`
	Backward bool   `json:"b,omitempty"`
}

// CursorAt returns the cursor that continues after (or, backward, before) e.
func CursorAt(s Sort, e *audit.Entry, backward bool) *Cursor {
	c := &Cursor{Sort: s.String(), TS: e.Timestamp.UnixMicro(), ID: e.ID, Backward: backward}
	switch s.Field {
	case SortJobID:
		c.Num = e.JobID
	case SortID, SortTimestamp:
	default:
		c.Text = TextValue(s.Field, e)
	}
	return c
}

// TextValue returns the value of a text sort field of e.
func TextValue(f SortField, e *audit.Entry) string {
	switch f {
	case SortUserName:
		return e.UserName
	case SortUserIP:
		return e.UserIP
	case SortDomain:
		return e.Domain
	case SortApplication:
		return e.Application
	case SortWorkspace:
		return e.Workspace
	case SortTask:
		return e.Task
	case SortResult:
		return string(e.Result)
	}
	return ""
}

// Encode returns the opaque form of c that clients pass back.
func (c *Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by Encode for the sort s.
func DecodeCursor(token string, s Sort) (*Cursor, error) {
	if len(token) > 2048 {
		return nil, fmt.Errorf("%w: too long", ErrInvalidCursor)
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrInvalidCursor)
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: malformed", ErrInvalidCursor)
	}
	if c.Sort != s.String() {
		return nil, fmt.Errorf("%w: made for sort %q, not %q", ErrInvalidCursor, c.Sort, s.String())
	}
	return &c, nil
}
