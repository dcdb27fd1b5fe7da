package store

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/search"
)

// ErrUnsupportedSearch is a search the stores cannot answer yet.
var ErrUnsupportedSearch = errors.New("unsupported search")

// CheckSearch reports a search the stores cannot compile, before any query
// runs, so that the caller can answer 400.
func CheckSearch(q *search.Query) error {
	for _, w := range q.Words {
		if len(WordTokens(w)) == 0 {
			return fmt.Errorf("%w: %q has no letters or digits to search for", ErrUnsupportedSearch, w.Text)
		}
	}
	return nil
}

// cidrPrefixes turns an IPv4 prefix into the text prefixes of the
// addresses it holds, as Logbook stores them ("172.16." for /16): the
// octet-aligned prefixes that cover it exactly (at most 128).
func cidrPrefixes(p netip.Prefix) []string {
	bits := p.Bits()
	aligned := (bits + 7) / 8 * 8
	count := 1 << (aligned - bits)
	a := p.Masked().Addr().As4()
	octets := aligned / 8
	out := make([]string, 0, count)
	for i := 0; i < count; i++ {
		b := a
		if octets > 0 {
			b[octets-1] += byte(i)
		}
		var parts []string
		for k := 0; k < octets; k++ {
			parts = append(parts, fmt.Sprint(b[k]))
		}
		if octets == 4 {
			out = append(out, strings.Join(parts, "."))
		} else {
			out = append(out, strings.Join(parts, ".")+".")
		}
	}
	if bits == 0 {
		return []string{""}
	}
	return out
}

// likeEscape escapes the LIKE wildcards of s.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// search adds the conditions of a parsed search query.
func (b *sqlBuilder) search(q *search.Query) {
	for _, t := range q.Terms {
		var ors []string
		for _, v := range t.Values {
			ors = append(ors, b.term(t.Field, v)...)
		}
		cond := "(" + strings.Join(ors, " OR ") + ")"
		if t.Negate {
			cond = "NOT " + cond
		}
		b.where = append(b.where, cond)
	}
	var positive []string
	for _, w := range q.Words {
		words := WordTokens(w)
		if !w.Negate && b.indexWords() {
			positive = append(positive, words...)
			if w.Phrase {
				b.where = append(b.where, b.phrase(w.Text))
			}
			continue
		}
		var cond string
		if b.d.ScanWords && b.d.WordsScanned != nil && b.table != b.d.UnindexedTable {
			cond = b.d.WordsScanned(b.arg(b.d.WordsQuery(words)))
		} else if b.d.WordsRow != nil {
			patterns := make([]string, len(words))
			for i, word := range words {
				patterns[i] = b.arg(WordPattern(word))
			}
			cond = b.d.WordsRow(b.table, patterns)
		} else {
			cond = b.d.WordsIndexed(b.arg(b.d.WordsQuery(words)))
		}
		if w.Phrase {
			cond = "(" + cond + " AND " + b.phrase(w.Text) + ")"
		}
		if w.Negate {
			cond = "NOT " + cond
		}
		b.where = append(b.where, cond)
	}
	if len(positive) > 0 {
		b.where = append(b.where, b.d.WordsIndexed(b.arg(b.d.WordsQuery(positive))))
	}
}

// phraseColumns are the columns a phrase must appear in as written.
var phraseColumns = []string{"description", "task", "user_name", "affected_objects"}

// phrase is the condition that text appears as written (letter case aside)
// in one of the phrase columns: the words of a quoted phrase must stand
// together and in order, which the index of words cannot tell.
func (b *sqlBuilder) phrase(text string) string {
	pattern := "%" + likeEscape(text) + "%"
	ors := make([]string, len(phraseColumns))
	for i, col := range phraseColumns {
		ors[i] = fmt.Sprintf("%s %s %s ESCAPE '\\'", col, b.d.ILike, b.arg(pattern))
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// indexWords reports whether positive free words use the text index on
// the table the conditions are for.
func (b *sqlBuilder) indexWords() bool {
	if b.d.WordsRow == nil {
		return true
	}
	return b.d.IndexWords && b.table != b.d.UnindexedTable
}

// term is the SQL of one value of a field term (alternatives).
func (b *sqlBuilder) term(f search.Field, v search.Value) []string {
	text := func(col string) []string {
		if v.Prefix {
			return []string{fmt.Sprintf("(%s >= %s AND %s < %s)", col, b.arg(v.Text), col, b.arg(v.Text+prefixEnd))}
		}
		return []string{fmt.Sprintf("%s = %s", col, b.arg(v.Text))}
	}
	switch f {
	case search.FieldUserName, search.FieldDomain, search.FieldApplication, search.FieldWorkspace,
		search.FieldTask, search.FieldResult, search.FieldSource:
		return text(string(f))
	case search.FieldUserIP:
		if p := v.Prefix4CIDR; p.IsValid() && p.Addr().Is6() {
			first, last := p.Masked().Addr().As16(), p.Masked().Addr().As16()
			for i := p.Bits(); i < 128; i++ {
				last[i/8] |= 0x80 >> (i % 8)
			}
			return []string{b.d.IPNetwork(b.arg, first[:], last[:], p.String())}
		}
		if v.Prefix4CIDR.IsValid() {
			var out []string
			for _, p := range cidrPrefixes(v.Prefix4CIDR) {
				if strings.HasSuffix(p, ".") || p == "" {
					out = append(out, fmt.Sprintf("(user_ip >= %s AND user_ip < %s)", b.arg(p), b.arg(p+prefixEnd)))
				} else {
					out = append(out, "user_ip = "+b.arg(p))
				}
			}
			return out
		}
		return text("user_ip")
	case search.FieldJobID:
		return []string{"job_id = " + b.arg(v.Num)}
	case search.FieldID:
		return []string{"id = " + b.arg(v.Num)}
	case search.FieldObject:
		return []string{b.object(v.Object.Type, v.Object.Name)}
	case search.FieldAfter:
		return []string{"ts >= " + b.arg(b.d.TimeArg(v.Time))}
	case search.FieldBefore:
		return []string{"ts < " + b.arg(b.d.TimeArg(v.Time))}
	}
	return []string{"1 = 0"}
}

// PositiveWords returns the tokens (see WordTokens) of a search's free
// words that are not negated: those the text index can find entries by.
func PositiveWords(q *search.Query) []string {
	if q == nil {
		return nil
	}
	var out []string
	for _, w := range q.Words {
		if !w.Negate {
			out = append(out, WordTokens(w)...)
		}
	}
	return out
}

// WordTokens are the words a free word must find among an entry's words
// (audit.Entry.Words), each whole, but the last one only as a prefix when
// the free word ends in "*" ("mx96*"): that one ends in "*" here too.
func WordTokens(w search.Word) []string {
	words := audit.SplitWords(w.Text)
	if len(words) > 0 && strings.HasSuffix(w.Text, "*") {
		words[len(words)-1] += "*"
	}
	return words
}

// WordPattern is the LIKE pattern of a token against an entry's words
// with a space before and after them (" " || words || " ").
func WordPattern(token string) string {
	if t, ok := strings.CutSuffix(token, "*"); ok {
		return "% " + t + "%"
	}
	return "% " + token + " %"
}
