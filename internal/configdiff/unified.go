package configdiff

import (
	"strconv"
	"strings"
)

// Unified renders d as a unified diff (---/+++ headers naming oldName and
// newName, @@ -a,b +c,d @@ hunks, "\ No newline at end of file" markers
// where needed) that `patch -p0` or `git apply` accepts. Identical inputs
// give "", as with diff(1).
//
// Unlike Compute, Unified compares lines byte for byte, line endings
// included, because a patch must turn before into exactly after: a file
// converted from CRLF to LF is every line replaced here, and only a flag in
// Compute. For the same reason it diffs binary-looking input as text, like
// `diff --text`, and names are written as given.
func Unified(before, after string, oldName, newName string, context int) string {
	if before == after {
		return ""
	}
	old, new := splitSide(before), splitSide(after)
	d := assemble(old, new, diffSides(old, new, true), context, nil)
	var sb strings.Builder
	size := len(oldName) + len(newName) + 10
	for _, h := range d.Hunks {
		size += 32 + len(h.Lines)
		for _, l := range h.Lines {
			size += len(l.Text) + 2
		}
	}
	sb.Grow(size)
	sb.WriteString("--- ")
	sb.WriteString(oldName)
	sb.WriteString("\n+++ ")
	sb.WriteString(newName)
	sb.WriteString("\n")
	for _, h := range d.Hunks {
		sb.WriteString("@@ -")
		writeRange(&sb, h.OldStart, h.OldLines)
		sb.WriteString(" +")
		writeRange(&sb, h.NewStart, h.NewLines)
		sb.WriteString(" @@\n")
		for _, l := range h.Lines {
			var raw string
			switch l.Op {
			case Equal:
				sb.WriteByte(' ')
				raw = old.raw[l.OldNo-1]
			case Delete:
				sb.WriteByte('-')
				raw = old.raw[l.OldNo-1]
			case Insert:
				sb.WriteByte('+')
				raw = new.raw[l.NewNo-1]
			}
			sb.WriteString(raw)
			if !strings.HasSuffix(raw, "\n") {
				sb.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return sb.String()
}

// writeRange writes a hunk header range the way GNU diff does: the count
// is left out when it is 1.
func writeRange(sb *strings.Builder, start, count int) {
	sb.WriteString(strconv.Itoa(start))
	if count != 1 {
		sb.WriteByte(',')
		sb.WriteString(strconv.Itoa(count))
	}
}
