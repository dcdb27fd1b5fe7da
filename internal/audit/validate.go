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
	var c checker
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
	c.line("user_name", in.UserName, true, MaxNameLen)
	c.line("application", in.Application, true, MaxNameLen)
	c.line("workspace", in.Workspace, false, MaxNameLen)
	c.line("task", in.Task, true, MaxNameLen)
	c.line("event_id", in.EventID, false, MaxEventIDLen)
	if in.Result == "" {
		c.bad("result", "is required")
	} else if !e.Result.Valid() {
		c.bad("result", "must be one of Success, Failure, Job Scheduled, Recurring Job Scheduled")
	}
	c.address(&e, in.UserIP)
	if e.Domain == "" {
		e.Domain = RootDomain
	}
	if reason := CheckDomain(e.Domain); reason != "" {
		c.bad("domain", "%s", reason)
	}
	c.timestamp(&e, in.Timestamp, now)
	if in.JobID != nil {
		if *in.JobID <= 0 {
			c.bad("job_id", "must be a positive integer")
		} else {
			e.JobID = *in.JobID
		}
	}
	if len(in.Description) > MaxDescriptionLen {
		c.bad("description", "is longer than %d bytes", MaxDescriptionLen)
	} else if !utf8.ValidString(in.Description) {
		c.bad("description", "is not valid UTF-8")
	} else if hasControl(in.Description, true) {
		c.bad("description", "contains a control character other than tab or newline")
	}
	c.objects(&e, in.AffectedObjects)
	if cs, cerrs := validateConfigChange(in.ConfigChange, in.Task); len(cerrs) > 0 {
		c.errs = append(c.errs, cerrs...)
	} else if len(cs) > 0 {
		e.ConfigChanges, e.HasConfigChange, e.ConfigDigest = cs, true, ConfigDigest(cs)
	}
	detail, reason := normalizeDetail(in.AffectedObjectDetail)
	if reason != "" {
		c.bad("affected_object_detail", "%s", reason)
	}
	e.AffectedObjectDetail = detail
	if len(c.errs) > 0 {
		return Entry{}, c.errs
	}
	enrichDescription(&e)
	return e, nil
}

// checker collects the field errors of one Validate.
type checker struct{ errs []FieldError }

func (c *checker) bad(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// line checks a one-line text field.
func (c *checker) line(field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		c.bad(field, "is required")
	case len(v) > max:
		c.bad(field, "is longer than %d bytes", max)
	case !utf8.ValidString(v):
		c.bad(field, "is not valid UTF-8")
	case hasControl(v, false):
		c.bad(field, "contains a control character")
	case v != strings.TrimSpace(v):
		c.bad(field, "has leading or trailing spaces")
	}
}

// address checks user_ip and stores it in its canonical form.
func (c *checker) address(e *Entry, ip string) {
	if ip == "" {
		return
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Zone() != "" {
		c.bad("user_ip", "must be an IPv4 or IPv6 address")
		return
	}
	e.UserIP = addr.Unmap().String()
}

// timestamp sets the entry's time: the reported one when it is valid,
// else the receipt time.
func (c *checker) timestamp(e *Entry, ts *string, now time.Time) {
	e.Timestamp = now.UTC().Truncate(time.Microsecond)
	if ts == nil {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, *ts)
	switch {
	case err != nil:
		c.bad("timestamp", "must be an RFC 3339 time such as 2026-11-25T22:31:34.123456Z")
	case t.Before(time.Unix(0, 0)):
		c.bad("timestamp", "must not be before 1970")
	case t.After(now.Add(MaxFuture)):
		c.bad("timestamp", "must not be more than %s in the future", MaxFuture)
	default:
		e.Timestamp = t.UTC().Truncate(time.Microsecond)
	}
}

// objects checks the affected objects and keeps the valid ones.
func (c *checker) objects(e *Entry, objs []Object) {
	if len(objs) > MaxObjects {
		c.bad("affected_objects", "has more than %d objects", MaxObjects)
		return
	}
	for i, o := range objs {
		p := fmt.Sprintf("affected_objects[%d].", i)
		n := len(c.errs)
		c.line(p+"type", o.Type, true, MaxNameLen)
		c.line(p+"id", o.ID, false, MaxObjectIDLen)
		c.line(p+"name", o.Name, true, MaxObjectNameLen)
		if len(c.errs) == n {
			e.AffectedObjects = append(e.AffectedObjects, o)
		}
	}
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
