package search

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"
)

// String prints q as query text: field terms first, then words. Values
// with spaces are quoted, others bare unless quoting is shorter. Parse
// reads the text back to q (given the now and loc q was parsed with).
//
// Should that text exceed MaxQueryBytes, String prints the shortest form
// instead (short field names, backslash-escaped spaces, abbreviated IPv6),
// which for a query Parse returned is never longer than the text it came
// from: printing a valid query always gives a valid query.
func (q Query) String() string {
	if s := q.format(false); len(s) <= MaxQueryBytes {
		return s
	}
	return q.format(true)
}

// format prints q, in its shortest form when compact is set.
func (q Query) format(compact bool) string {
	var b strings.Builder
	for _, t := range q.Terms {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if t.Negate {
			b.WriteByte('-')
		}
		spec, ok := specOf(t.Field)
		switch {
		case !ok:
			b.WriteString(string(t.Field))
		case compact:
			b.WriteString(spec.shortest())
		default:
			b.WriteString(spec.name)
		}
		b.WriteByte(':')
		for i, v := range t.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			text := v.Text
			if compact && ok && spec.kind == kindIP && !v.Prefix {
				text = compactIP(text)
			}
			writeValue(&b, text, v.Prefix, compact)
		}
	}
	for _, w := range q.Words {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if w.Negate {
			b.WriteByte('-')
		}
		writeWord(&b, w, compact)
	}
	return b.String()
}

// writeValue writes the value of a field term, then * for a prefix.
func writeValue(b *strings.Builder, s string, prefix, compact bool) {
	bare := escapeBare(s, func(i int, r rune) bool {
		return r == '\\' || r == '"' || r == ',' || unicode.IsSpace(r) || (!prefix && r == '*' && i == len(s)-1)
	})
	quoted := quote(s)
	switch {
	case s == "" || len(quoted) < len(bare) || (!compact || len(quoted) == len(bare)) && hasSpace(s):
		b.WriteString(quoted)
	default:
		b.WriteString(bare)
	}
	if prefix {
		b.WriteByte('*')
	}
}

// writeWord writes a free word. A phrase without a space needs its quotes
// to stay a phrase; one with a space is a phrase written either way. A
// leading minus needs a backslash only where it would read as negation:
// after the minus of a negated word a second one is text.
func writeWord(b *strings.Builder, w Word, compact bool) {
	colon := -1 // a colon after a leading name would make a field term
	if i := strings.IndexFunc(w.Text, func(r rune) bool { return r > 127 || !isNameByte(byte(r)) }); i > 0 && w.Text[i] == ':' {
		colon = i
	}
	bare := escapeBare(w.Text, func(i int, r rune) bool {
		return r == '\\' || r == '"' || unicode.IsSpace(r) || (i == 0 && r == '-' && !w.Negate) || i == colon
	})
	quoted := quote(w.Text)
	switch {
	case w.Text == "" || (w.Phrase && !hasSpace(w.Text)):
		b.WriteString(quoted)
	case w.Phrase && (!compact || len(quoted) <= len(bare)):
		b.WriteString(quoted)
	default:
		b.WriteString(bare)
	}
}

// escapeBare writes s with a backslash before every rune at byte offset i
// for which special holds.
func escapeBare(s string, special func(i int, r rune) bool) string {
	var b strings.Builder
	for i, r := range s {
		if special(i, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quote writes s in double quotes, escaping quotes and backslashes.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// hasSpace reports whether s holds white space.
func hasSpace(s string) bool { return strings.IndexFunc(s, unicode.IsSpace) >= 0 }

// compactIP returns the shortest text of an IPv6 address or prefix.
// Canonical text (RFC 5952) abbreviates the first of the longest zero runs
// and never a single zero group, which is not always shortest: a user may
// type "1::2:3:4:5:6:7" for 1:0:2:3:4:5:6:7 or "0:0:1:1::1:0" for
// ::1:1:0:0:1:0, and printing must not grow a query past the limit.
func compactIP(s string) string {
	text, bits, hasBits := strings.Cut(s, "/")
	a, err := netip.ParseAddr(text)
	if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return s
	}
	b := a.As16()
	var g [8]string
	for i := range g {
		g[i] = strconv.FormatUint(uint64(b[2*i])<<8|uint64(b[2*i+1]), 16)
	}
	for i := 0; i < len(g); i++ {
		if g[i] != "0" {
			continue
		}
		j := i
		for j < len(g) && g[j] == "0" {
			j++
		}
		if c := strings.Join(g[:i], ":") + "::" + strings.Join(g[j:], ":"); len(c) < len(text) {
			text = c
		}
		i = j
	}
	if hasBits {
		return text + "/" + bits
	}
	return text
}
