// Package auditcsv writes audit log entries as CSV rows the way every
// Logbook CSV file has them (the export and the archive): the same
// columns, and every cell safe to open in a spreadsheet.
package auditcsv

import (
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

// TimeLayout is audit.TimeLayout with the zone's offset, for the column
// in a caller's time zone.
const TimeLayout = "2006-01-02T15:04:05.000000-07:00"

// Header names the columns, with the column in tz after the UTC one when
// tz is given.
func Header(tz *time.Location) []string {
	h := []string{"Audit Log ID", "Timestamp (UTC)"}
	if tz != nil {
		h = append(h, "Timestamp ("+tz.String()+")")
	}
	return append(h, "User Name", "User IP", "Domain", "Application", "Workspace", "Task", "Result",
		"Job ID", "Description", "Affected Objects", "Affected Object Detail", "Source", "Hash")
}

// Row appends the cells of e to r[:0] and returns it, every cell
// neutralized.
func Row(r []string, e *audit.Entry, tz *time.Location) []string {
	job := ""
	if e.JobID != 0 {
		job = strconv.FormatInt(e.JobID, 10)
	}
	r = append(r[:0], strconv.FormatInt(e.ID, 10), audit.FormatTime(e.Timestamp))
	if tz != nil {
		r = append(r, e.Timestamp.In(tz).Format(TimeLayout))
	}
	r = append(r, e.UserName, e.UserIP, e.Domain, e.Application, e.Workspace, e.Task, string(e.Result),
		job, e.Description, ObjectList(e.AffectedObjects), e.AffectedObjectDetail, e.Source, e.Hash)
	for i := range r {
		r[i] = Neutralize(r[i])
	}
	return r
}

// ObjectList renders affected objects as "Type:Name; Type:Name".
func ObjectList(objs []audit.Object) string {
	var b strings.Builder
	for i, o := range objs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(o.Type)
		b.WriteByte(':')
		b.WriteString(o.Name)
	}
	return b.String()
}

// Neutralize keeps a spreadsheet from running a cell as a formula: a cell
// that starts with =, +, -, @, a tab or a carriage return gets a leading
// single quote (OWASP's advice on CSV injection). Entries come from every
// application that reports to Logbook, so any text cell may be hostile.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
