package configdiff

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"\n", []string{""}},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb\r\n", []string{"a", "b"}},
		{"a\r\nb\n\n", []string{"a", "b", ""}},
		{"a\r", []string{"a\r"}}, // a lone CR is not a line ending
		{"a\r\r\n", []string{"a\r"}},
	}
	for _, tt := range tests {
		if got := Lines(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Lines(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// trickyCases are inputs whose edges a diff gets wrong most easily.
var trickyCases = []struct {
	name          string
	before, after string
	stats         Stats
	hunks         int // with context 3
	binary        bool
	endings       bool // LineEndingsChanged
}{
	{name: "both empty"},
	{name: "identical", before: "a\nb\nc\n", after: "a\nb\nc\n"},
	{name: "empty before", after: "a\nb\n", stats: Stats{Added: 2}, hunks: 1},
	{name: "empty after", before: "a\nb\n", stats: Stats{Removed: 2}, hunks: 1},
	{name: "empty before, no newline", after: "a\nb", stats: Stats{Added: 2}, hunks: 1},
	{name: "empty after, no newline", before: "a", stats: Stats{Removed: 1}, hunks: 1},
	{name: "only a newline", before: "", after: "\n", stats: Stats{Added: 1}, hunks: 1},
	{name: "newline added at end", before: "a\nb", after: "a\nb\n", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "newline removed at end", before: "a\nb\n", after: "a\nb", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "no newline on either side, last line changes", before: "a\nb", after: "a\nc", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "no newline on either side, line appended", before: "a\nb", after: "a\nb\nc", stats: Stats{Added: 2, Removed: 1}, hunks: 1},
	{name: "no newline on either side, first line changes", before: "x\n1\n2\n3\n4\n5\n6\n7\nlast", after: "y\n1\n2\n3\n4\n5\n6\n7\nlast", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "CRLF files", before: "a\r\nb\r\nc\r\n", after: "a\r\nB\r\nc\r\n", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "CRLF to LF", before: "a\r\nb\r\nc\r\n", after: "a\nb\nc\n", endings: true},
	{name: "LF to CRLF with a change", before: "a\nb\nc\n", after: "a\r\nB\r\nc\r\n", stats: Stats{Added: 1, Removed: 1}, hunks: 1, endings: true},
	{name: "CRLF, no newline at end", before: "a\r\nb", after: "a\r\nb\r\n", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "lone CR", before: "a\rb\n", after: "a\nb\n", stats: Stats{Added: 2, Removed: 1}, hunks: 1},
	{name: "two distant changes", before: "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", after: "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\nY\n12\n", stats: Stats{Added: 2, Removed: 2}, hunks: 2},
	{name: "changes 6 apart merge", before: "1\n2\n3\n4\n5\n6\n7\n8\n9\n", after: "X\n2\n3\n4\n5\n6\n7\nY\n9\n", stats: Stats{Added: 2, Removed: 2}, hunks: 1},
	{name: "changes 7 apart split", before: "1\n2\n3\n4\n5\n6\n7\n8\n9\n", after: "X\n2\n3\n4\n5\n6\n7\n8\nY\n", stats: Stats{Added: 2, Removed: 2}, hunks: 2},
	{name: "very long line", before: strings.Repeat("set interfaces ge-0/0/0 description x; ", 1<<15) + "\n", after: strings.Repeat("set interfaces ge-0/0/0 description x; ", 1<<15) + "y\n", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "binary before", before: "a\x00b\n", after: "ab\n", stats: Stats{Added: 1, Removed: 1}, binary: true},
	{name: "binary after", before: "a\nb\n", after: "\x00\x01\x02\n\x00", stats: Stats{Added: 2, Removed: 2}, binary: true},
	{name: "invalid UTF-8 in bulk", before: "a\n", after: "\xff\xfe\xfd\xfc\n", stats: Stats{Added: 1, Removed: 1}, binary: true},
	{name: "stray Latin-1 is text", before: "description \"Caf\xe9 du Nord uplink\";\n", after: "description \"Caf\xe9 du Sud uplink\";\n", stats: Stats{Added: 1, Removed: 1}, hunks: 1},
	{name: "blank lines", before: "\n\n\n", after: "\n\n", stats: Stats{Removed: 1}, hunks: 1},
}

func TestTrickyInputs(t *testing.T) {
	for _, tt := range trickyCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, context := range []int{0, 1, 3, -1} {
				d := Compute(tt.before, tt.after, context)
				checkDiff(t, tt.before, tt.after, context, d)
				if d.Stats != tt.stats || d.Binary != tt.binary || d.LineEndingsChanged != tt.endings {
					t.Errorf("context %d: Stats, Binary, LineEndingsChanged = %+v, %v, %v; want %+v, %v, %v",
						context, d.Stats, d.Binary, d.LineEndingsChanged, tt.stats, tt.binary, tt.endings)
				}
				if context == 3 && len(d.Hunks) != tt.hunks {
					t.Errorf("%d hunks, want %d", len(d.Hunks), tt.hunks)
				}
				u := checkRoundTrip(t, tt.before, tt.after, context)
				if (u == "") != (tt.before == tt.after) {
					t.Errorf("context %d: Unified = %q for before == after: %v", context, u, tt.before == tt.after)
				}
			}
		})
	}
}

func TestIdenticalInputs(t *testing.T) {
	text := junosConfig(7, 20<<10)
	d := Compute(text, text, 3)
	checkDiff(t, text, text, 3, d)
	if len(d.Hunks) != 0 || d.Stats != (Stats{}) || d.LineEndingsChanged {
		t.Fatalf("identical inputs: %d hunks, %+v, endings %v", len(d.Hunks), d.Stats, d.LineEndingsChanged)
	}
	if want := (Gap{OldStart: 1, NewStart: 1, Count: len(Lines(text))}); d.Tail != want {
		t.Fatalf("Tail = %+v, want %+v", d.Tail, want)
	}
	if u := Unified(text, text, "a", "b", 3); u != "" {
		t.Fatalf("Unified of identical inputs = %q", u)
	}
}

func TestCRLFToLFIsAFlagNotAnExplosion(t *testing.T) {
	lf := junosConfig(3, 50<<10)
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	d := Compute(crlf, lf, 3)
	checkDiff(t, crlf, lf, 3, d)
	if len(d.Hunks) != 0 || !d.LineEndingsChanged {
		t.Fatalf("CRLF to LF: %d hunks, LineEndingsChanged %v; want 0, true", len(d.Hunks), d.LineEndingsChanged)
	}
	// One real change among the converted lines shows as one change.
	edited := strings.Replace(lf, "time-zone UTC;", "time-zone Europe/Berlin;", 1)
	d = Compute(crlf, edited, 3)
	if d.Stats != (Stats{Added: 1, Removed: 1}) || !d.LineEndingsChanged {
		t.Fatalf("CRLF to LF plus one change: %+v, LineEndingsChanged %v", d.Stats, d.LineEndingsChanged)
	}
	// The patch still has to produce the LF file exactly.
	checkRoundTrip(t, crlf, edited, 3)
}

func TestHunkHeaders(t *testing.T) {
	tests := []struct {
		before, after string
		context       int
		want          string
	}{
		{"", "a\nb\n", 3, "@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"a\nb\n", "", 3, "@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"a\n", "b\n", 3, "@@ -1 +1 @@\n-a\n+b\n"},
		{"a\nb\nc\n", "a\nc\n", 0, "@@ -2 +1,0 @@\n-b\n"},
		{"a\nc\n", "a\nb\nc\n", 0, "@@ -1,0 +2 @@\n+b\n"},
		{"a\nb", "a\nb\n", 3, "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"},
		{"a\r\nb\r\n", "a\nb\r\n", 1, "@@ -1,2 +1,2 @@\n-a\r\n+a\n b\r\n"},
	}
	for _, tt := range tests {
		u := Unified(tt.before, tt.after, "old", "new", tt.context)
		if want := "--- old\n+++ new\n" + tt.want; u != want {
			t.Errorf("Unified(%q, %q, %d) =\n%s\nwant\n%s", tt.before, tt.after, tt.context, u, want)
		}
	}
}

// TestGapsExpand checks the recipe the viewer uses to expand a gap.
func TestGapsExpand(t *testing.T) {
	before := junosConfig(11, 8<<10)
	after := junosEdit(before, 12, 0.05)
	d := Compute(before, after, 2)
	checkDiff(t, before, after, 2, d)
	if len(d.Hunks) < 3 {
		t.Fatalf("want several hunks, got %d", len(d.Hunks))
	}
	ol, nl := Lines(before), Lines(after)
	for _, g := range append(slices.Clone(d.Gaps), d.Tail) {
		o := ol[g.OldStart-1 : g.OldStart-1+g.Count]
		n := nl[g.NewStart-1 : g.NewStart-1+g.Count]
		if !slices.Equal(o, n) {
			t.Fatalf("gap %+v differs between the sides", g)
		}
	}
}

func TestWordSegments(t *testing.T) {
	tests := []struct {
		name, before, after string
		wantOld, wantNew    string // changed parts in [brackets]
	}{
		{
			name:    "curly address",
			before:  "                address 10.0.0.1/24;",
			after:   "                address 10.0.0.2/24;",
			wantOld: "                address [10.0.0.1/24];",
			wantNew: "                address [10.0.0.2/24];",
		},
		{
			name:    "set address",
			before:  "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
			after:   "set interfaces ge-0/0/0 unit 0 family inet address 10.0.1.1/24",
			wantOld: "set interfaces ge-0/0/0 unit 0 family inet address [10.0.0.1/24]",
			wantNew: "set interfaces ge-0/0/0 unit 0 family inet address [10.0.1.1/24]",
		},
		{
			name:    "set interface renamed",
			before:  "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24",
			after:   "set interfaces xe-0/0/0 unit 0 family inet address 10.0.0.1/24",
			wantOld: "set interfaces [ge-0/0/0] unit 0 family inet address 10.0.0.1/24",
			wantNew: "set interfaces [xe-0/0/0] unit 0 family inet address 10.0.0.1/24",
		},
		{
			name:    "word inserted",
			before:  "    vlan-tagging;",
			after:   "    flexible-vlan-tagging;",
			wantOld: "    [vlan-tagging];",
			wantNew: "    [flexible-vlan-tagging];",
		},
		{
			name:    "statement gains an argument",
			before:  "    import [ IMPORT-001 REJECT-BOGONS ];",
			after:   "    import [ IMPORT-001 LOCAL-PREF REJECT-BOGONS ];",
			wantOld: "    import [ IMPORT-001 REJECT-BOGONS ];",
			wantNew: "    import [ IMPORT-001 [LOCAL-PREF ]REJECT-BOGONS ];",
		},
		{
			name:    "punctuation between changes joins them",
			before:  "members [ a, b ];",
			after:   "members [ c, d ];",
			wantOld: "members [ [a, b] ];",
			wantNew: "members [ [c, d] ];",
		},
		{
			name:    "only the line ending differs",
			before:  "last line",
			after:   "last line",
			wantOld: "last line",
			wantNew: "last line",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			so, sn := wordDiff(tt.before, tt.after)
			if got := bracket(so); got != tt.wantOld {
				t.Errorf("old segments %s, want %s", got, tt.wantOld)
			}
			if got := bracket(sn); got != tt.wantNew {
				t.Errorf("new segments %s, want %s", got, tt.wantNew)
			}
		})
	}
}

func bracket(segs []Segment) string {
	var sb strings.Builder
	for _, s := range segs {
		if s.Changed {
			sb.WriteString("[" + s.Text + "]")
		} else {
			sb.WriteString(s.Text)
		}
	}
	return sb.String()
}

// TestJunosAddressChange checks the whole path for the change a reviewer
// looks at most: one address in a curly-brace configuration, and the same
// in set style.
func TestJunosAddressChange(t *testing.T) {
	before := junosConfig(5, 30<<10)
	old := "address 10."
	i := strings.Index(before, old)
	end := i + strings.IndexByte(before[i:], ';')
	oldAddr := before[i+len("address ") : end]
	newAddr := "192.0.2.77/30"
	after := before[:i] + "address " + newAddr + before[end:]

	for _, style := range []struct {
		name          string
		before, after string
	}{
		{"curly", before, after},
		{"set", setStyle(before), setStyle(after)},
	} {
		t.Run(style.name, func(t *testing.T) {
			d := Compute(style.before, style.after, 3)
			checkDiff(t, style.before, style.after, 3, d)
			if len(d.Hunks) != 1 || d.Stats != (Stats{Added: 1, Removed: 1}) {
				t.Fatalf("%d hunks, %+v; want 1 hunk, one line modified", len(d.Hunks), d.Stats)
			}
			var changed []string
			for _, l := range d.Hunks[0].Lines {
				if l.Op != Equal && l.Segments == nil {
					t.Fatalf("modified line %+v has no segments", l)
				}
				for _, s := range l.Segments {
					if s.Changed {
						changed = append(changed, s.Text)
					}
				}
			}
			if want := []string{oldAddr, newAddr}; !slices.Equal(changed, want) {
				t.Fatalf("changed segments %q, want %q", changed, want)
			}
			rows := SideBySide(d.Hunks[0])
			pairs := 0
			for _, r := range rows {
				if r.Left != nil && r.Right != nil && r.Left.Op == Delete {
					pairs++
				}
			}
			if pairs != 1 || len(rows) != len(d.Hunks[0].Lines)-1 {
				t.Fatalf("side by side: %d rows, %d pairs; want the modified line on one row", len(rows), pairs)
			}
		})
	}
}

// TestPairing checks that modified lines are paired with their own
// counterparts and left-over lines stand alone.
func TestPairing(t *testing.T) {
	tests := []struct {
		name     string
		del, ins []string
		want     []int
	}{
		{
			name: "one to one",
			del:  []string{"    mtu 1500;", "    address 10.0.0.1/24;"},
			ins:  []string{"    mtu 9192;", "    address 10.0.0.9/24;"},
			want: []int{0, 1},
		},
		{
			name: "insertion between modified lines",
			del:  []string{"    address 10.0.0.1/24;", "    mtu 1500;"},
			ins:  []string{"    address 10.0.0.9/24;", "    vlan-tagging;", "    mtu 9192;"},
			want: []int{0, 2},
		},
		{
			name: "deleted line without counterpart",
			del:  []string{"    disable;", "    description \"uplink to core-01\";"},
			ins:  []string{"    description \"uplink to core-02\";"},
			want: []int{-1, 0},
		},
		{
			name: "unrelated lines stay apart",
			del:  []string{"    family inet6;"},
			ins:  []string{"    authentication-key \"$9$abc\";"},
			want: []int{-1},
		},
		{
			name: "renamed interface",
			del:  []string{"    ge-0/0/1 {"},
			ins:  []string{"    xe-0/0/1 {"},
			want: []int{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pairLines(tt.del, tt.ins); !slices.Equal(got, tt.want) {
				t.Fatalf("pairLines = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSideBySide(t *testing.T) {
	before := "interfaces {\n    ge-0/0/1 {\n        mtu 1500;\n        disable;\n    }\n}\n"
	after := "interfaces {\n    ge-0/0/1 {\n        mtu 9192;\n        vlan-tagging;\n    }\n}\n"
	d := Compute(before, after, 1)
	checkDiff(t, before, after, 1, d)
	if len(d.Hunks) != 1 {
		t.Fatalf("%d hunks", len(d.Hunks))
	}
	var got []string
	for _, r := range SideBySide(d.Hunks[0]) {
		side := func(l *Line) string {
			if l == nil {
				return "-"
			}
			if l.Segments != nil {
				return bracket(l.Segments)
			}
			return l.Text
		}
		got = append(got, strings.TrimSpace(side(r.Left))+" | "+strings.TrimSpace(side(r.Right)))
	}
	want := []string{
		"ge-0/0/1 { | ge-0/0/1 {",
		"mtu [1500]; | mtu [9192];",
		"disable; | -",
		"- | vlan-tagging;",
		"} | }",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSlideToBlockBoundary checks that an inserted or deleted block shows
// as whole statements, not shifted by a line into its identical sibling.
func TestSlideToBlockBoundary(t *testing.T) {
	unit := func(n int) string {
		return fmt.Sprintf("        unit %d {\n            family inet;\n        }\n", n)
	}
	head, tail := "interfaces {\n    ge-0/0/1 {\n", "    }\n}\n"
	short := head + unit(0) + tail
	long := head + unit(0) + unit(1) + tail
	for _, tt := range []struct {
		name, before, after string
		op                  Op
	}{
		{"insert", short, long, Insert},
		{"delete", long, short, Delete},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := Compute(tt.before, tt.after, 0)
			checkDiff(t, tt.before, tt.after, 0, d)
			var changed []string
			for _, l := range d.Hunks[0].Lines {
				if l.Op == tt.op {
					changed = append(changed, strings.TrimSpace(l.Text))
				}
			}
			if want := []string{"unit 1 {", "family inet;", "}"}; len(d.Hunks) != 1 || !slices.Equal(changed, want) {
				t.Fatalf("%d hunks, changed lines %q; want %q", len(d.Hunks), changed, want)
			}
		})
	}
}

func TestVeryLongLine(t *testing.T) {
	long := strings.Repeat("set system syslog host 192.0.2.1 any notice; ", 1<<20/44)
	before, after := "x\n"+long+"\ny\n", "x\n"+long+"changed\ny\n"
	d := Compute(before, after, 3)
	checkDiff(t, before, after, 3, d)
	if d.Stats != (Stats{Added: 1, Removed: 1}) {
		t.Fatalf("Stats = %+v", d.Stats)
	}
	rows := SideBySide(d.Hunks[0])
	for _, l := range d.Hunks[0].Lines {
		if l.Op != Equal && l.Segments != nil {
			t.Fatalf("a %d-byte line got word segments", len(l.Text))
		}
	}
	if len(rows) != 3 || rows[1].Left == nil || rows[1].Right == nil {
		t.Fatalf("the modified long line should still pair: %d rows", len(rows))
	}
	checkRoundTrip(t, before, after, 3)
}

func TestBinaryLooking(t *testing.T) {
	before := "config\x00blob\x01\x02\n"
	after := "config\x00blob\x01\x03\n"
	d := Compute(before, after, 3)
	if !d.Binary || len(d.Hunks) != 0 || len(d.Gaps) != 0 || d.Tail.Count != 0 {
		t.Fatalf("binary input: %+v", d)
	}
	if d.OldLines != 1 || d.NewLines != 1 {
		t.Fatalf("OldLines, NewLines = %d, %d", d.OldLines, d.NewLines)
	}
	// Unified diffs it as text, like diff --text, so the patch still applies.
	checkRoundTrip(t, before, after, 3)
	if d := Compute(before, before, 3); d.Stats != (Stats{}) {
		t.Fatalf("identical binary input: Stats %+v", d.Stats)
	}
}

func TestExtremeContext(t *testing.T) {
	before, after := "a\nb\nc\nd\ne\n", "a\nB\nc\nd\nE\n"
	if got, want := Unified(before, after, "x", "y", -5), Unified(before, after, "x", "y", 0); got != want {
		t.Fatalf("context -5 gives %q, context 0 %q", got, want)
	}
	if got, want := Unified(before, after, "x", "y", math.MaxInt), Unified(before, after, "x", "y", 5); got != want {
		t.Fatalf("context MaxInt gives %q, context 5 %q", got, want)
	}
	d := Compute(before, after, math.MaxInt)
	checkDiff(t, before, after, math.MaxInt, d)
	if len(d.Hunks) != 1 || len(d.Hunks[0].Lines) != 7 {
		t.Fatalf("context MaxInt: %d hunks; want one with the whole file", len(d.Hunks))
	}
}

// TestWordBudgetSpent checks the fallback once a Compute has spent its
// word-level budget: segments come from the common prefix and suffix,
// which still isolates a single changed value.
func TestWordBudgetSpent(t *testing.T) {
	w := &wordSplitter{budget: 0}
	so, sn := w.split("set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24", "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.7/24")
	if got, want := bracket(so), "set interfaces ge-0/0/0 unit 0 family inet address [10.0.0.1/24]"; got != want {
		t.Errorf("old segments %s, want %s", got, want)
	}
	if got, want := bracket(sn), "set interfaces ge-0/0/0 unit 0 family inet address [10.0.0.7/24]"; got != want {
		t.Errorf("new segments %s, want %s", got, want)
	}
	so, sn = w.split("a b c", "x b y")
	if got, want := bracket(so)+" | "+bracket(sn), "[a b c] | [x b y]"; got != want {
		t.Errorf("segments %s, want %s", got, want)
	}
}
