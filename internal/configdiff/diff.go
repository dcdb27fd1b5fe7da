package configdiff

import (
	"strings"
	"unicode/utf8"
)

// Op is the kind of a diff line.
type Op int

// Line kinds.
const (
	Equal Op = iota
	Insert
	Delete
)

// String names the kind the way a unified diff marks it.
func (o Op) String() string {
	switch o {
	case Equal:
		return "equal"
	case Insert:
		return "insert"
	case Delete:
		return "delete"
	}
	return "op(?)"
}

// Segment is part of a changed line, marked when it differs from its
// counterpart (word-level highlight).
type Segment struct {
	Text    string
	Changed bool
}

// Line is one line of a diff.
type Line struct {
	Op    Op
	OldNo int    // 1-based line number in before (0 for Insert)
	NewNo int    // 1-based line number in after (0 for Delete)
	Text  string // the line without its line ending
	// Segments is the word-level split of a modified line: a Delete paired
	// with an Insert both carry it, each showing its own side, and the
	// Segments of either side concatenate to its Text. It is nil for
	// context lines, for unpaired lines and for pairs too long to split
	// cheaply (see maxWordDiffBytes).
	Segments []Segment
}

// Hunk is a run of changes with context; Lines are in unified order: in
// each run of changes all deletions come before all insertions.
//
// The four numbers are those of the unified "@@ -OldStart,OldLines
// +NewStart,NewLines @@" header, so a side with no lines in the hunk names
// the line after which the change sits (0 at the start of the file).
type Hunk struct {
	OldStart, OldLines, NewStart, NewLines int
	Lines                                  []Line
}

// Gap is unchanged text between hunks that a viewer may expand: Count lines
// starting at line OldStart of before and line NewStart of after (both
// 1-based), equal on both sides.
type Gap struct{ OldStart, NewStart, Count int }

// Stats counts the changed lines.
type Stats struct{ Added, Removed int }

// Diff is the line diff of two configurations.
type Diff struct {
	Hunks []Hunk
	// Gaps[i] precedes Hunks[i] (its Count is 0 when nothing is hidden);
	// the unchanged text after the final hunk is Tail. Together with the
	// hunks' lines they account for every line of both sides exactly once.
	Gaps  []Gap
	Tail  Gap
	Stats Stats
	// OldLines and NewLines count the lines of before and after.
	OldLines, NewLines int
	// Binary is set when before or after looked binary (NUL bytes, or
	// invalid UTF-8 in bulk). Then Hunks and Gaps are empty, Tail counts
	// nothing and Stats counts all lines of both sides as changed.
	Binary bool
	// LineEndingsChanged is set when a line that is otherwise unchanged
	// changed its ending between "\r\n" and "\n". Compute treats the two
	// endings as equal, so converting a whole file to or from CRLF shows as
	// this flag instead of every line deleted and inserted.
	LineEndingsChanged bool
}

// Compute diffs before and after line by line with context lines of
// unchanged text around each change. A negative context counts as 0.
func Compute(before, after string, context int) Diff {
	if looksBinary(before) || looksBinary(after) {
		d := Diff{Binary: true, OldLines: countLines(before), NewLines: countLines(after)}
		d.Tail = Gap{OldStart: 1, NewStart: 1}
		if before != after {
			d.Stats = Stats{Added: d.NewLines, Removed: d.OldLines}
		}
		return d
	}
	old, new := splitSide(before), splitSide(after)
	blocks := diffSides(old, new, false)
	d := assemble(old, new, blocks, context, &wordSplitter{budget: wordBudget})
	d.LineEndingsChanged = endingsChanged(old, new, blocks)
	return d
}

// Lines splits text into lines as Compute sees them (for expanding a gap:
// the caller shows Lines(before)[g.OldStart-1 : g.OldStart-1+g.Count]).
// A line loses its "\n" or "\r\n"; a final line without a line ending is
// still a line, and empty text has none.
func Lines(text string) []string {
	return splitSide(text).text
}

// Line endings as splitSide records them.
const (
	eolNone = iota // the last line of a text that does not end in "\n"
	eolLF
	eolCRLF
)

// side is one text split into lines.
type side struct {
	text []string // the lines without their endings
	raw  []string // the lines with their endings, exactly as in the text
	eol  []uint8
}

func splitSide(s string) side {
	n := strings.Count(s, "\n")
	if len(s) > 0 && s[len(s)-1] != '\n' {
		n++
	}
	sd := side{text: make([]string, 0, n), raw: make([]string, 0, n), eol: make([]uint8, 0, n)}
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			sd.text = append(sd.text, s)
			sd.raw = append(sd.raw, s)
			sd.eol = append(sd.eol, eolNone)
			break
		}
		t, e := s[:i], uint8(eolLF)
		if i > 0 && s[i-1] == '\r' {
			t, e = s[:i-1], eolCRLF
		}
		sd.text = append(sd.text, t)
		sd.raw = append(sd.raw, s[:i+1])
		sd.eol = append(sd.eol, e)
		s = s[i+1:]
	}
	return sd
}

func countLines(s string) int {
	n := strings.Count(s, "\n")
	if len(s) > 0 && s[len(s)-1] != '\n' {
		n++
	}
	return n
}

// looksBinary reports whether s is not text: it holds a NUL byte, or more
// than one byte in sixteen is not valid UTF-8. A few stray Latin-1 bytes in
// a description keep a configuration text.
func looksBinary(s string) bool {
	if strings.IndexByte(s, 0) >= 0 {
		return true
	}
	if utf8.ValidString(s) {
		return false
	}
	bad := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		}
		i += size
	}
	return bad*16 > len(s)
}
