package forward

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/logbookhq/logbook/internal/audit"
)

// The formats a criterion may send entries in.
const (
	FormatCEF     = "cef"     // ArcSight CEF in an RFC 5424 syslog message (the Junos Space default)
	FormatRFC5424 = "rfc5424" // RFC 5424 with structured data and the entry as JSON
)

// Syslog constants of every message: facility 13 (log audit), the
// APP-NAME and MSGID, and the SD-ID of Logbook's structured data, under
// the enterprise number RFC 5612 reserves for documentation until Logbook
// has one of its own.
const (
	facilityLogAudit = 13
	appName          = "logbook"
	msgID            = "audit"
	sdID             = "logbook@32473"
)

// Bounds on what one message carries, so that a message stays under the
// 16 KiB a receiver should accept for CEF: the CEF Name (the header copy
// of the description; the whole description is in msg=) and the list of
// affected objects.
const (
	maxCEFName    = 512
	maxCEFObjects = 4000
)

// Formatter turns entries into syslog messages.
type Formatter struct {
	// Hostname is the HOSTNAME of the syslog header; "-" when empty.
	Hostname string
	// Version is the Device Version of the CEF header.
	Version string
}

// Message returns the syslog message (without transport framing) of e in
// format.
func (f Formatter) Message(format string, e *audit.Entry) []byte {
	var b strings.Builder
	b.Grow(512)
	sev := 6 // informational
	if e.Result == audit.ResultFailure {
		sev = 4 // warning
	}
	b.WriteByte('<')
	b.WriteString(strconv.Itoa(facilityLogAudit*8 + sev))
	b.WriteString(">1 ")
	b.WriteString(e.Timestamp.UTC().Format("2006-01-02T15:04:05.000000Z"))
	b.WriteByte(' ')
	b.WriteString(headerField(f.Hostname, 255))
	b.WriteString(" " + appName + " - " + msgID + " ")
	switch format {
	case FormatRFC5424:
		b.WriteString("[" + sdID)
		sdParam(&b, "id", strconv.FormatInt(e.ID, 10))
		sdParam(&b, "domain", e.Domain)
		sdParam(&b, "user", e.UserName)
		sdParam(&b, "task", e.Task)
		sdParam(&b, "result", string(e.Result))
		b.WriteString("] ")
		js, _ := json.Marshal(e)
		b.Write(js)
	default:
		b.WriteString("- ")
		f.cef(&b, e)
	}
	return []byte(b.String())
}

// headerField is a syslog header field: printable US-ASCII without
// spaces, at most n bytes, "-" when empty.
func headerField(s string, n int) string {
	out := strings.Map(func(r rune) rune {
		if r < 33 || r > 126 {
			return -1
		}
		return r
	}, s)
	if len(out) > n {
		out = out[:n]
	}
	if out == "" {
		return "-"
	}
	return out
}

// sdParam writes one SD-PARAM, escaping '"', '\' and ']' as RFC 5424
// section 6.3.3 says.
func sdParam(b *strings.Builder, name, value string) {
	b.WriteString(" " + name + `="`)
	for _, r := range strings.ToValidUTF8(value, "\uFFFD") {
		if r == '"' || r == '\\' || r == ']' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
}

// cef writes the CEF text of e:
//
//	CEF:0|Logbook|Logbook|<version>|<task>|<description>|<severity>|<extensions>
func (f Formatter) cef(b *strings.Builder, e *audit.Entry) {
	version := f.Version
	if version == "" {
		version = "dev"
	}
	name := e.Description
	if name == "" {
		name = e.Task
	}
	severity := "3"
	if e.Result == audit.ResultFailure {
		severity = "7"
	}
	b.WriteString("CEF:0|Logbook|Logbook|")
	for _, h := range []string{cefHeader(version), cefHeader(e.Task), cefHeader(truncate(name, maxCEFName)), severity} {
		b.WriteString(h)
		b.WriteByte('|')
	}
	first := true
	ext := func(key, value string) {
		if value == "" {
			return
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(cefExtension(value))
	}
	ext("rt", strconv.FormatInt(e.Timestamp.UnixMilli(), 10))
	ext("externalId", strconv.FormatInt(e.ID, 10))
	ext("suser", e.UserName)
	if a, err := netip.ParseAddr(e.UserIP); err == nil {
		if a.Is4() || a.Is4In6() {
			ext("src", a.Unmap().String())
		} else {
			ext("c6a2Label", "Source IPv6 Address")
			ext("c6a2", a.String())
		}
	}
	ext("act", e.Task)
	ext("outcome", string(e.Result))
	ext("msg", e.Description)
	ext("cs1Label", "Domain")
	ext("cs1", e.Domain)
	ext("cs2Label", "Application")
	ext("cs2", e.Application)
	if e.Workspace != "" {
		ext("cs3Label", "Workspace")
		ext("cs3", e.Workspace)
	}
	if len(e.AffectedObjects) > 0 {
		ext("cs4Label", "Affected Objects")
		ext("cs4", objectList(e.AffectedObjects))
	}
	ext("cs5Label", "Source")
	ext("cs5", e.Source)
	ext("cs6Label", "Hash")
	ext("cs6", e.Hash)
	if e.JobID != 0 {
		ext("cn1Label", "Job ID")
		ext("cn1", strconv.FormatInt(e.JobID, 10))
	}
	if e.HasConfigChange {
		ext("cn2Label", "Configuration Change")
		ext("cn2", "1")
	}
}

// objectList is "Type:Name" of each object, comma-separated, bounded.
func objectList(objs []audit.Object) string {
	var b strings.Builder
	for i, o := range objs {
		part := o.Type + ":" + o.Name
		if i > 0 {
			part = "," + part
		}
		if b.Len()+len(part) > maxCEFObjects {
			b.WriteString(",… (" + strconv.Itoa(len(objs)-i) + " more)")
			break
		}
		b.WriteString(part)
	}
	return b.String()
}

// cefHeader escapes a CEF header field: backslash and pipe get a
// backslash; line breaks, which a header may not hold, become spaces.
func cefHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch r {
		case '\\', '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\r', '\n':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cefExtension escapes a CEF extension value: backslash and equals sign
// get a backslash, line breaks are written \n and \r.
func cefExtension(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch r {
		case '\\', '=':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// truncate cuts s to at most n bytes at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
