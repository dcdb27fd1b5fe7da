package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on every field of an ingested entry. They bound what one entry can
// cost in storage, in the grid and in a forwarded syslog message.
const (
	MaxNameLen        = 128   // user_name, application, workspace, task, object type
	MaxDomainLen      = 512   // whole domain path
	MaxDomainDepth    = 5     // levels below Global
	MaxDomainPartLen  = 64    // one domain path segment
	MaxDescriptionLen = 4096  // description
	MaxDetailLen      = 65536 // affected_object_detail
	MaxObjects        = 100   // affected objects per entry
	MaxObjectIDLen    = 128   // object id
	MaxObjectNameLen  = 255   // object name
	MaxEventIDLen     = 128   // event_id
	MaxFuture         = time.Hour
)

// RootDomain is the root of the domain tree; every domain path starts with it.
const RootDomain = "Global"

// Input is an entry as a client submits it. Fields the server owns (id,
// recorded_at, source, hashes) are absent, so a client that sends them gets
// an "unknown field" error rather than silently losing them.
type Input struct {
	Timestamp            *string         `json:"timestamp"`
	UserName             string          `json:"user_name"`
	UserIP               string          `json:"user_ip"`
	Domain               string          `json:"domain"`
	Application          string          `json:"application"`
	Workspace            string          `json:"workspace"`
	Task                 string          `json:"task"`
	Result               string          `json:"result"`
	JobID                *int64          `json:"job_id"`
	Description          string          `json:"description"`
	AffectedObjects      []Object        `json:"affected_objects"`
	AffectedObjectDetail json.RawMessage `json:"affected_object_detail"`
	EventID              string          `json:"event_id"`
	// ConfigChange is the device configuration before and after, for the
	// configuration tasks only: one {device, format, before, after} or an
	// array of them.
	ConfigChange json.RawMessage `json:"config_change"`
}

// FieldError names one field of one entry and the rule it broke.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks in against every rule and returns the entry to store, or
// one FieldError per bad field. now is the receipt time: the default
// timestamp and the reference for "not in the future".
func Validate(in Input, now time.Time) (Entry, []FieldError) {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	e := Entry{
		UserName:    in.UserName,
		UserIP:      in.UserIP,
		Domain:      in.Domain,
		Application: in.Application,
		Workspace:   in.Workspace,
		Task:        in.Task,
		Result:      Result(in.Result),
		Description: in.Description,
		EventID:     in.EventID,
	}
	line := func(field, v string, required bool, max int) {
		switch {
		case v == "" && required:
			bad(field, "is required")
		case len(v) > max:
			bad(field, "is longer than %d bytes", max)
		case !utf8.ValidString(v):
			bad(field, "is not valid UTF-8")
		case hasControl(v, false):
			bad(field, "contains a control character")
		case v != strings.TrimSpace(v):
			bad(field, "has leading or trailing spaces")
		}
	}
	line("user_name", in.UserName, true, MaxNameLen)
	line("application", in.Application, true, MaxNameLen)
	line("workspace", in.Workspace, false, MaxNameLen)
	line("task", in.Task, true, MaxNameLen)
	line("event_id", in.EventID, false, MaxEventIDLen)

	if in.Result == "" {
		bad("result", "is required")
	} else if !e.Result.Valid() {
		bad("result", "must be one of Success, Failure, Job Scheduled, Recurring Job Scheduled")
	}

	if in.UserIP != "" {
		addr, err := netip.ParseAddr(in.UserIP)
		if err != nil || addr.Zone() != "" {
			bad("user_ip", "must be an IPv4 or IPv6 address")
		} else {
			e.UserIP = addr.Unmap().String()
		}
	}

	if e.Domain == "" {
		e.Domain = RootDomain
	}
	if reason := CheckDomain(e.Domain); reason != "" {
		bad("domain", "%s", reason)
	}

	e.Timestamp = now.UTC().Truncate(time.Microsecond)
	if in.Timestamp != nil {
		t, err := time.Parse(time.RFC3339Nano, *in.Timestamp)
		switch {
		case err != nil:
			bad("timestamp", "must be an RFC 3339 time such as 2026-11-25T22:31:34.123456Z")
		case t.Before(time.Unix(0, 0)):
			bad("timestamp", "must not be before 1970")
		case t.After(now.Add(MaxFuture)):
			bad("timestamp", "must not be more than %s in the future", MaxFuture)
		default:
			e.Timestamp = t.UTC().Truncate(time.Microsecond)
		}
	}

	if in.JobID != nil {
		if *in.JobID <= 0 {
			bad("job_id", "must be a positive integer")
		} else {
			e.JobID = *in.JobID
		}
	}

	if len(in.Description) > MaxDescriptionLen {
		bad("description", "is longer than %d bytes", MaxDescriptionLen)
	} else if !utf8.ValidString(in.Description) {
		bad("description", "is not valid UTF-8")
	} else if hasControl(in.Description, true) {
		bad("description", "contains a control character other than tab or newline")
	}

	if len(in.AffectedObjects) > MaxObjects {
		bad("affected_objects", "has more than %d objects", MaxObjects)
	} else {
		for i, o := range in.AffectedObjects {
			p := fmt.Sprintf("affected_objects[%d].", i)
			n := len(errs)
			line(p+"type", o.Type, true, MaxNameLen)
			line(p+"id", o.ID, false, MaxObjectIDLen)
			line(p+"name", o.Name, true, MaxObjectNameLen)
			if len(errs) == n {
				e.AffectedObjects = append(e.AffectedObjects, o)
			}
		}
	}

	if cs, cerrs := validateConfigChange(in.ConfigChange, in.Task); len(cerrs) > 0 {
		errs = append(errs, cerrs...)
	} else if len(cs) > 0 {
		e.ConfigChanges, e.HasConfigChange, e.ConfigDigest = cs, true, ConfigDigest(cs)
	}

	detail, reason := normalizeDetail(in.AffectedObjectDetail)
	if reason != "" {
		bad("affected_object_detail", "%s", reason)
	}
	e.AffectedObjectDetail = detail

	if len(errs) > 0 {
		return Entry{}, errs
	}
	enrichDescription(&e)
	return e, nil
}

// DescriptionRule writes the description of an entry that arrives
// without one: for entries of Task from Application (any application when
// empty) that touched an object of each of the Needs types, Format is
// filled with the first such object's name of each type, in order.
type DescriptionRule struct {
	Task, Application string
	Needs             []string
	Format            string
}

// DescriptionRules are the rules Logbook applies. Junos Space writes the
// first two for configlets applied or validated through its REST API;
// other tasks can join with a line here.
var DescriptionRules = []DescriptionRule{
	{Task: "Apply CLI Configlet", Application: "REST", Needs: []string{"Configlet", "Device"},
		Format: "Apply CLI Configlet operation initiated for the configlet %s on the device %s."},
	{Task: "Validate CLI Configlet", Application: "REST", Needs: []string{"Configlet", "Device"},
		Format: "Validate CLI Configlet operation initiated for the configlet %s on the device %s."},
}

// enrichDescription applies the first rule that fits an entry without a
// description.
func enrichDescription(e *Entry) {
	if e.Description != "" {
		return
	}
rules:
	for _, r := range DescriptionRules {
		if r.Task != e.Task || (r.Application != "" && r.Application != e.Application) {
			continue
		}
		args := make([]any, len(r.Needs))
		for k, typ := range r.Needs {
			for _, o := range e.AffectedObjects {
				if o.Type == typ {
					args[k] = o.Name
					break
				}
			}
			if args[k] == nil {
				continue rules
			}
		}
		e.Description = fmt.Sprintf(r.Format, args...)
		return
	}
}

// CheckDomain returns why d is not a valid domain path, or "" if it is.
func CheckDomain(d string) string {
	if len(d) > MaxDomainLen {
		return fmt.Sprintf("is longer than %d bytes", MaxDomainLen)
	}
	parts := strings.Split(d, "/")
	if parts[0] != RootDomain {
		return `must be "Global" or a path below it such as "Global/EMEA"`
	}
	if len(parts)-1 > MaxDomainDepth {
		return fmt.Sprintf("is more than %d levels below Global", MaxDomainDepth)
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > MaxDomainPartLen || p != strings.TrimSpace(p) {
			return fmt.Sprintf("has an empty, padded or over-long (>%d bytes) path segment", MaxDomainPartLen)
		}
		for _, r := range p {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -_.", r) {
				return fmt.Sprintf("segment %q may hold only letters, digits, spaces and - _ .", p)
			}
		}
	}
	return ""
}

// normalizeDetail accepts affected_object_detail as a JSON string (kept as
// is) or a JSON object or array (kept as compact JSON text).
func normalizeDetail(raw json.RawMessage) (string, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", ""
	}
	var s string
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", "is not a valid JSON string"
		}
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", "is not valid JSON"
		}
		s = buf.String()
	default:
		return "", "must be a string or a JSON object"
	}
	switch {
	case len(s) > MaxDetailLen:
		return "", fmt.Sprintf("is longer than %d bytes", MaxDetailLen)
	case !utf8.ValidString(s):
		return "", "is not valid UTF-8"
	case hasControl(s, true):
		return "", "contains a control character other than tab or newline"
	}
	return s, ""
}

// hasControl reports control characters; multiline allows tab, CR and LF.
func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}
