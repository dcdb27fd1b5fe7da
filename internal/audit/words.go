package audit

import (
	"strings"
	"unicode"
)

// SplitWords splits s into words: runs of letters and digits, lower-cased
// rune by rune. Everything else separates words, so "mx960-1" is the two
// words "mx960" and "1". Searches and the text index of both engines use
// this one function, so that a free word means the same everywhere.
func SplitWords(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		flush()
	}
	flush()
	return out
}

// Words is the text a search's free words are matched against: the words
// of the entry's description, task, user name and affected objects' names,
// each once, in order of first appearance, separated by single spaces.
// A free word matches an entry when each of its words begins one of these.
func (e *Entry) Words() string {
	seen := map[string]bool{}
	var b strings.Builder
	add := func(s string) {
		for _, w := range SplitWords(s) {
			if seen[w] {
				continue
			}
			seen[w] = true
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
	}
	add(e.Description)
	add(e.Task)
	add(e.UserName)
	for _, o := range e.AffectedObjects {
		add(o.Name)
	}
	return b.String()
}
