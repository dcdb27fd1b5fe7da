// Package ceftest parses CEF as Logbook's forwarding writes it, so that
// tests can check what a receiver got. Only tests import it, so it is not
// part of the logbook binary.
package ceftest

import (
	"errors"
	"fmt"
	"strings"
)

// CEF is a parsed CEF message: the seven header fields and the
// extensions, unescaped.
type CEF struct {
	Version     string // "0"
	Vendor      string
	Product     string
	DevVersion  string
	SignatureID string
	Name        string
	Severity    string
	Extensions  map[string]string
}

// ParseCEF reads a CEF text as Logbook writes it, strictly: every header
// field, escapes as the CEF specification gives them, and extension keys
// of letters and digits.
func ParseCEF(s string) (CEF, error) {
	if !strings.HasPrefix(s, "CEF:") {
		return CEF{}, errors.New("does not start with CEF:")
	}
	s = s[len("CEF:"):]
	var fields []string
	var cur strings.Builder
	i := 0
	for len(fields) < 7 {
		if i >= len(s) {
			return CEF{}, fmt.Errorf("only %d of 7 header fields", len(fields))
		}
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) || (s[i+1] != '\\' && s[i+1] != '|') {
				return CEF{}, fmt.Errorf("bad escape in header field %d", len(fields)+1)
			}
			cur.WriteByte(s[i+1])
			i += 2
		case c == '|':
			fields = append(fields, cur.String())
			cur.Reset()
			i++
		case c == '\n' || c == '\r':
			return CEF{}, errors.New("line break in the header")
		default:
			cur.WriteByte(c)
			i++
		}
	}
	out := CEF{Version: fields[0], Vendor: fields[1], Product: fields[2], DevVersion: fields[3],
		SignatureID: fields[4], Name: fields[5], Severity: fields[6], Extensions: map[string]string{}}
	if out.Version != "0" {
		return CEF{}, fmt.Errorf("CEF version %q", out.Version)
	}
	ext, err := parseExtensions(s[i:])
	if err != nil {
		return CEF{}, err
	}
	out.Extensions = ext
	return out, nil
}

// parseExtensions reads "key=value key=value": a value runs up to the
// space before the next unescaped key=.
func parseExtensions(s string) (map[string]string, error) {
	out := map[string]string{}
	if s == "" {
		return out, nil
	}
	type kv struct {
		key        string
		start, end int // raw value bounds
	}
	var pairs []kv
	// Find every unescaped '=' and the key before it.
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] != '=' {
			continue
		}
		k := i
		for k > 0 && isKeyByte(s[k-1]) {
			k--
		}
		if k == i || (k > 0 && s[k-1] != ' ') {
			return nil, fmt.Errorf("unescaped '=' at %d outside a key=value", i)
		}
		if len(pairs) > 0 {
			pairs[len(pairs)-1].end = k - 1
		} else if k != 0 {
			return nil, errors.New("text before the first extension")
		}
		pairs = append(pairs, kv{key: s[k:i], start: i + 1})
	}
	if len(pairs) == 0 {
		return nil, errors.New("extensions without key=value")
	}
	pairs[len(pairs)-1].end = len(s)
	for _, p := range pairs {
		v, err := unescapeExtension(s[p.start:p.end])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.key, err)
		}
		if _, dup := out[p.key]; dup {
			return nil, fmt.Errorf("%s twice", p.key)
		}
		out[p.key] = v
	}
	return out, nil
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func unescapeExtension(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || c == '\r' {
			return "", errors.New("raw line break")
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("trailing backslash")
		}
		i++
		switch s[i] {
		case '\\', '=':
			b.WriteByte(s[i])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			return "", fmt.Errorf("bad escape \\%c", s[i])
		}
	}
	return b.String(), nil
}
