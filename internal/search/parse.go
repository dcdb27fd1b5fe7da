package search

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

// Parse reads a query. now is the reference of relative times (-24h) and
// loc the zone of local ones (2026-11-01, "2026-11-02 10:00"): the UI
// passes the viewer's zone, the API UTC; nil means UTC. A local time the
// clocks skip at a daylight saving change is an error, one they repeat is
// the earlier instant (see localTime). Every error is a *SyntaxError that
// points at the offending byte.
//
// Parse(q.String(), now, loc) returns q again for the now and loc q was
// parsed with (relative and local times are printed as written).
func Parse(q string, now time.Time, loc *time.Location) (Query, error) {
	if len(q) > MaxQueryBytes {
		return Query{}, &SyntaxError{Pos: MaxQueryBytes,
			Msg: fmt.Sprintf("expected at most %d bytes of query, not %d", MaxQueryBytes, len(q))}
	}
	if err := checkText(q); err != nil {
		return Query{}, err
	}
	if loc == nil {
		loc = time.UTC
	}
	p := parser{scanner: scanner{src: q}, now: now.Round(0), loc: loc}
	var out Query
	var size querySize
	for n := 0; ; n++ {
		p.skipSpace()
		if p.atEnd() {
			return out, nil
		}
		if n == MaxTerms {
			return Query{}, &SyntaxError{Pos: p.pos, Msg: fmt.Sprintf("expected at most %d terms", MaxTerms)}
		}
		negate := false
		if p.src[p.pos] == '-' {
			negate = true
			p.pos++
			if p.atEnd() || p.atSpace() {
				return Query{}, &SyntaxError{Pos: p.pos, Msg: `expected a word or field term after "-"`}
			}
		}
		namePos := p.pos
		if name, ok := p.fieldName(); ok {
			t, err := p.term(name, namePos)
			if err != nil {
				return Query{}, err
			}
			if err := size.addTerm(t, namePos); err != nil {
				return Query{}, err
			}
			t.Negate = negate
			out.Terms = append(out.Terms, t)
			continue
		}
		w, err := p.word()
		if err != nil {
			return Query{}, err
		}
		if err := size.addWord(w, namePos); err != nil {
			return Query{}, err
		}
		w.Negate = negate
		out.Words = append(out.Words, w)
	}
}

// querySize counts what the query-wide limits bound, term by term.
type querySize struct {
	values, words, prefixes int
}

// addTerm counts the values of the field term at pos.
func (s *querySize) addTerm(t Term, pos int) error {
	s.values += len(t.Values)
	if s.values > MaxQueryValues {
		return &SyntaxError{Pos: pos, Msg: fmt.Sprintf("expected at most %d values in all field terms together; this term brings them to %d",
			MaxQueryValues, s.values)}
	}
	for _, v := range t.Values {
		if v.Prefix4CIDR.IsValid() {
			s.prefixes += NetworkPrefixes(v.Prefix4CIDR)
		}
	}
	if s.prefixes > MaxNetworkPrefixes {
		return &SyntaxError{Pos: pos, Msg: fmt.Sprintf("expected IPv4 networks that make at most %d address prefixes together; "+
			"this term brings them to %d (a network on a /8, /16 or /24 boundary makes one, 10.0.0.0/9 makes 128)",
			MaxNetworkPrefixes, s.prefixes)}
	}
	return nil
}

// addWord counts the words of the free word or phrase at pos.
func (s *querySize) addWord(w Word, pos int) error {
	n := len(audit.SplitWords(w.Text))
	if n > MaxTermWords {
		return &SyntaxError{Pos: pos, Msg: fmt.Sprintf("expected at most %d words in one term; this one has %d "+
			"(a word is a run of letters or digits)", MaxTermWords, n)}
	}
	s.words += n
	if s.words > MaxQueryWords {
		return &SyntaxError{Pos: pos, Msg: fmt.Sprintf("expected at most %d words in all terms together; this term brings them to %d",
			MaxQueryWords, s.words)}
	}
	return nil
}

// NetworkPrefixes is how many text prefixes an IPv4 network compiles to:
// Logbook stores addresses as text, and a network is the addresses that
// begin with one of the dotted prefixes that cover it exactly ("172.16."
// for 172.16.0.0/16, "10.0." to "10.127." for 10.0.0.0/9). An IPv6
// network is one range of the stores' address index.
func NetworkPrefixes(p netip.Prefix) int {
	if !p.Addr().Is4() || p.Bits() <= 0 {
		return 1
	}
	aligned := (p.Bits() + 7) / 8 * 8
	return 1 << (aligned - p.Bits())
}

// parser reads terms with the context values need.
type parser struct {
	scanner
	now time.Time
	loc *time.Location
}

// term reads the values of a field term whose name, at namePos, has just
// been read.
func (p *parser) term(name string, namePos int) (Term, error) {
	spec, ok := lookupField(name)
	if !ok {
		return Term{}, &SyntaxError{Pos: namePos,
			Msg: fmt.Sprintf("unknown field %q: expected %s", name, fieldList())}
	}
	label := name + ":"
	t := Term{Field: spec.field}
	after := label
	for {
		if p.atEnd() || p.atSpace() || p.src[p.pos] == ',' {
			return Term{}, &SyntaxError{Pos: p.pos, Msg: fmt.Sprintf("expected a value after %q", after)}
		}
		if len(t.Values) == MaxValues {
			return Term{}, &SyntaxError{Pos: p.pos, Msg: fmt.Sprintf("expected at most %d values for %q", MaxValues, label)}
		}
		tok, err := p.value(true)
		if err != nil {
			return Term{}, err
		}
		v, msg := p.convert(spec, label, tok)
		if msg != "" {
			return Term{}, &SyntaxError{Pos: tok.pos, Msg: msg}
		}
		t.Values = append(t.Values, v)
		if p.atEnd() || p.src[p.pos] != ',' {
			return t, nil
		}
		if spec.kind == kindTime {
			return Term{}, &SyntaxError{Pos: p.pos, Msg: fmt.Sprintf("expected one time for %q, not a list", label)}
		}
		p.pos++
		after = ","
	}
}

// word reads a free word or phrase. A trailing * is kept as text: the
// full-text engine decides what it means.
func (p *parser) word() (Word, error) {
	tok, err := p.value(false)
	if err != nil {
		return Word{}, err
	}
	if tok.prefix {
		tok.text += "*"
	}
	if strings.TrimSpace(tok.text) == "" {
		return Word{}, &SyntaxError{Pos: tok.pos, Msg: "expected a word or phrase, not only white space"}
	}
	return Word{Text: tok.text, Phrase: tok.quoted || hasSpace(tok.text)}, nil
}

// convert checks one value of a field and gives it its typed form. It
// returns what was expected instead when the value does not fit.
func (p *parser) convert(spec *fieldSpec, label string, tok token) (Value, string) {
	s := tok.text
	if tok.prefix && spec.kind != kindText && spec.kind != kindIP {
		return Value{}, fmt.Sprintf(`expected a whole value for %q: only text fields and ip take a * prefix (quote a literal *)`, label)
	}
	if tok.prefix && s == "" {
		return Value{}, `expected text before "*"`
	}
	switch spec.kind {
	case kindText:
		if spec.maxLen > 0 && len(s) > spec.maxLen {
			return Value{}, fmt.Sprintf("expected at most %d bytes for %q", spec.maxLen, label)
		}
		return Value{Text: s, Prefix: tok.prefix}, ""
	case kindIP:
		return convertIP(s, tok.prefix)
	case kindResult:
		for _, r := range audit.Results {
			if strings.EqualFold(s, string(r)) {
				return Value{Text: string(r)}, ""
			}
		}
		return Value{}, fmt.Sprintf("expected a result (Success, Failure, Job Scheduled or Recurring Job Scheduled), not %q", s)
	case kindNumber:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || strings.TrimLeft(s, "0123456789") != "" {
			return Value{}, fmt.Sprintf("expected a positive integer for %q, not %q", label, s)
		}
		return Value{Text: strconv.FormatInt(n, 10), Num: n}, ""
	case kindObject:
		typ, name, ok := strings.Cut(s, ":")
		if !ok || typ == "" || name == "" {
			return Value{}, fmt.Sprintf("expected TYPE:NAME such as Device:mx960-1 for %q, not %q", label, s)
		}
		if len(typ) > audit.MaxNameLen || len(name) > audit.MaxObjectNameLen {
			return Value{}, fmt.Sprintf("expected an object type of at most %d bytes and a name of at most %d",
				audit.MaxNameLen, audit.MaxObjectNameLen)
		}
		v := Value{Text: s}
		v.Object.Type, v.Object.Name = typ, name
		return v, ""
	case kindTime:
		t, msg := parseTime(s, p.now, p.loc)
		if msg != "" {
			return Value{}, msg
		}
		return Value{Text: s, Time: t}, ""
	}
	return Value{}, "expected a known field"
}

// convertIP reads an address (as stored: IPv4-mapped addresses as IPv4),
// a CIDR prefix (masked), or the start of an address followed by *.
func convertIP(s string, prefix bool) (Value, string) {
	const want = "expected an IP address, a CIDR prefix such as 172.16.0.0/16 or the start of an address such as 172.16.*"
	if prefix {
		s = strings.ToLower(s)
		if strings.Trim(s, "0123456789abcdef.:") != "" {
			return Value{}, want + fmt.Sprintf(", not %q", s+"*")
		}
		return Value{Text: s, Prefix: true}, ""
	}
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return Value{}, want + fmt.Sprintf(", not %q", s)
		}
		pfx = pfx.Masked()
		if a := pfx.Addr(); a.Is4In6() && pfx.Bits() >= 96 {
			pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
		}
		return Value{Text: pfx.String(), Prefix4CIDR: pfx}, ""
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return Value{}, want + fmt.Sprintf(", not %q", s)
	}
	return Value{Text: a.Unmap().String()}, ""
}
