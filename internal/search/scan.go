package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanner reads the tokens of a query: field names, values and words. It
// works on byte offsets so that every error can point into the query.
type scanner struct {
	src string
	pos int
}

// token is one value or word as written, with quoting and escapes undone.
type token struct {
	text   string
	pos    int  // byte offset of its first character
	quoted bool // some part of it was inside double quotes
	prefix bool // it ended in an unescaped, unquoted * (not part of text)
}

// checkText rejects what no part of a query may hold: invalid UTF-8 and
// control characters other than white space, which could never match an
// entry (validation rejects them) and which PostgreSQL would refuse (NUL).
func checkText(q string) error {
	for i, r := range q {
		if r == utf8.RuneError {
			if _, w := utf8.DecodeRuneInString(q[i:]); w == 1 {
				return &SyntaxError{Pos: i, Msg: "expected UTF-8 text"}
			}
		}
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return &SyntaxError{Pos: i, Msg: fmt.Sprintf("expected printable text, not the control character %U", r)}
		}
	}
	return nil
}

// atEnd reports whether the scanner is at the end of the query.
func (s *scanner) atEnd() bool { return s.pos >= len(s.src) }

// atSpace reports whether the scanner is at white space.
func (s *scanner) atSpace() bool {
	if s.atEnd() {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s.src[s.pos:])
	return unicode.IsSpace(r)
}

// skipSpace moves past white space.
func (s *scanner) skipSpace() {
	for s.atSpace() {
		_, w := utf8.DecodeRuneInString(s.src[s.pos:])
		s.pos += w
	}
}

// isNameByte reports whether c may be part of a field name. Names are
// letters and underscores only, so that times (10:00), IPv6 addresses
// (fe80::1) and MAC addresses remain free words.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// fieldName reads "name:" if the scanner is at one, returning the name as
// written and leaving the scanner after the colon. Otherwise it returns
// false and does not move.
func (s *scanner) fieldName() (string, bool) {
	i := s.pos
	for i < len(s.src) && isNameByte(s.src[i]) {
		i++
	}
	if i == s.pos || i >= len(s.src) || s.src[i] != ':' {
		return "", false
	}
	name := s.src[s.pos:i]
	s.pos = i + 1
	return name, true
}

// value reads one value or word: bare runs with backslash escapes and
// quoted runs, concatenated, up to white space, the end, or, when commaEnds
// is set, an unescaped comma outside quotes.
func (s *scanner) value(commaEnds bool) (token, error) {
	tok := token{pos: s.pos}
	var b strings.Builder
	bareStar := false // the last character was an unescaped * outside quotes
	for !s.atEnd() {
		r, w := utf8.DecodeRuneInString(s.src[s.pos:])
		switch {
		case unicode.IsSpace(r) || (commaEnds && r == ','):
			return tok.finish(&b, bareStar), nil
		case r == '"':
			if err := s.quoted(&b); err != nil {
				return token{}, err
			}
			tok.quoted, bareStar = true, false
			continue
		case r == '\\':
			if s.pos+1 >= len(s.src) {
				return token{}, &SyntaxError{Pos: len(s.src), Msg: `expected a character after "\"`}
			}
			r, w = utf8.DecodeRuneInString(s.src[s.pos+1:])
			b.WriteRune(r)
			s.pos += 1 + w
			bareStar = false
			continue
		}
		b.WriteRune(r)
		s.pos += w
		bareStar = r == '*'
	}
	return tok.finish(&b, bareStar), nil
}

// finish sets the text of a token, taking a trailing bare * as a prefix
// marker.
func (tok token) finish(b *strings.Builder, bareStar bool) token {
	tok.text = b.String()
	if bareStar {
		tok.text, tok.prefix = tok.text[:len(tok.text)-1], true
	}
	return tok
}

// quoted reads a double-quoted run starting at the scanner into b. Inside
// the quotes a backslash escapes the character after it, which is how \"
// and \\ are written.
func (s *scanner) quoted(b *strings.Builder) error {
	open := s.pos
	s.pos++
	for !s.atEnd() {
		r, w := utf8.DecodeRuneInString(s.src[s.pos:])
		switch r {
		case '"':
			s.pos++
			return nil
		case '\\':
			if s.pos+1 >= len(s.src) {
				break
			}
			r, w = utf8.DecodeRuneInString(s.src[s.pos+1:])
			s.pos++
		}
		b.WriteRune(r)
		s.pos += w
	}
	return &SyntaxError{Pos: len(s.src), Msg: fmt.Sprintf(`expected a closing " for the quote at %d`, open)}
}
