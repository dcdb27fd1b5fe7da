package configdiff

import (
	"strings"
	"testing"
)

// checkDiff verifies what every Diff of before and after must satisfy:
// gaps, tail, context and changed lines account for every line of both
// sides exactly once and in order, each line carries its own text and
// number, hunk headers and Stats agree with the lines, runs of changes list
// deletions first, context stays within bounds and Segments rebuild their
// line. Together these mean the diff turns before into after.
func checkDiff(t testing.TB, before, after string, context int, d Diff) {
	t.Helper()
	if d.Binary {
		if len(d.Hunks) != 0 || len(d.Gaps) != 0 {
			t.Fatalf("binary diff has %d hunks, %d gaps", len(d.Hunks), len(d.Gaps))
		}
		return
	}
	ol, nl := Lines(before), Lines(after)
	context = min(max(context, 0), len(ol)+len(nl)+1)
	if d.OldLines != len(ol) || d.NewLines != len(nl) {
		t.Fatalf("OldLines, NewLines = %d, %d; want %d, %d", d.OldLines, d.NewLines, len(ol), len(nl))
	}
	if len(d.Gaps) != len(d.Hunks) {
		t.Fatalf("%d gaps for %d hunks", len(d.Gaps), len(d.Hunks))
	}
	op, np := 1, 1 // next unaccounted line of each side
	gap := func(what string, g Gap) {
		t.Helper()
		if g.OldStart != op || g.NewStart != np || g.Count < 0 {
			t.Fatalf("%s = %+v, want it to start at old %d, new %d", what, g, op, np)
		}
		for k := range g.Count {
			if op+k > len(ol) || np+k > len(nl) || ol[op-1+k] != nl[np-1+k] {
				t.Fatalf("%s %+v: line %d is not unchanged", what, g, k)
			}
		}
		op += g.Count
		np += g.Count
	}
	var stats Stats
	for hi, h := range d.Hunks {
		gap("gap", d.Gaps[hi])
		if hi > 0 && d.Gaps[hi].Count == 0 {
			t.Fatalf("hunk %d touches hunk %d; they should be one", hi, hi-1)
		}
		if h.OldStart != headerStart(op-1, h.OldLines) || h.NewStart != headerStart(np-1, h.NewLines) {
			t.Fatalf("hunk %d header %d,%d +%d,%d does not match its position old %d, new %d", hi, h.OldStart, h.OldLines, h.NewStart, h.NewLines, op, np)
		}
		o0, n0 := op, np
		changes, run := 0, 0
		lastOp := Equal
		for li, l := range h.Lines {
			switch l.Op {
			case Equal:
				if l.OldNo != op || l.NewNo != np || op > len(ol) || np > len(nl) || l.Text != ol[op-1] || l.Text != nl[np-1] {
					t.Fatalf("hunk %d line %d: bad context line %+v at old %d new %d", hi, li, l, op, np)
				}
				op++
				np++
				run++
				if changes > 0 && li < len(h.Lines)-1 && h.Lines[li+1].Op != Equal && run > 2*context {
					t.Fatalf("hunk %d: %d context lines between changes with context %d", hi, run, context)
				}
			case Delete:
				if lastOp == Insert {
					t.Fatalf("hunk %d line %d: deletion after an insertion in one run", hi, li)
				}
				if l.OldNo != op || l.NewNo != 0 || op > len(ol) || l.Text != ol[op-1] {
					t.Fatalf("hunk %d line %d: bad deletion %+v at old %d", hi, li, l, op)
				}
				op++
				stats.Removed++
			case Insert:
				if l.NewNo != np || l.OldNo != 0 || np > len(nl) || l.Text != nl[np-1] {
					t.Fatalf("hunk %d line %d: bad insertion %+v at new %d", hi, li, l, np)
				}
				np++
				stats.Added++
			default:
				t.Fatalf("hunk %d line %d: op %d", hi, li, l.Op)
			}
			if l.Op != Equal {
				if changes == 0 && run > context {
					t.Fatalf("hunk %d: %d leading context lines, context %d", hi, run, context)
				}
				changes++
				run = 0
			}
			lastOp = l.Op
			if l.Segments != nil {
				if l.Op == Equal {
					t.Fatalf("hunk %d line %d: context line with segments", hi, li)
				}
				var sb strings.Builder
				for _, s := range l.Segments {
					sb.WriteString(s.Text)
				}
				if sb.String() != l.Text {
					t.Fatalf("hunk %d line %d: segments %v do not rebuild %q", hi, li, l.Segments, l.Text)
				}
			}
		}
		if changes == 0 {
			t.Fatalf("hunk %d has no change", hi)
		}
		if run > context {
			t.Fatalf("hunk %d: %d trailing context lines, context %d", hi, run, context)
		}
		if op-o0 != h.OldLines || np-n0 != h.NewLines {
			t.Fatalf("hunk %d header counts %d, %d; lines %d, %d", hi, h.OldLines, h.NewLines, op-o0, np-n0)
		}
		checkRows(t, h)
	}
	gap("tail", d.Tail)
	if op != len(ol)+1 || np != len(nl)+1 {
		t.Fatalf("accounted for old lines to %d of %d, new to %d of %d", op-1, len(ol), np-1, len(nl))
	}
	if stats != d.Stats {
		t.Fatalf("Stats = %+v, lines count %+v", d.Stats, stats)
	}
}

// checkRows verifies that SideBySide shows each line of h once, in order
// on its side, with context on both sides and pairs as Delete|Insert.
func checkRows(t testing.TB, h Hunk) {
	t.Helper()
	var left, right []*Line
	for _, r := range SideBySide(h) {
		switch {
		case r.Left == nil && r.Right == nil:
			t.Fatalf("empty row")
		case r.Left != nil && r.Right != nil && r.Left.Op == Equal:
			if r.Left != r.Right {
				t.Fatalf("context row with two lines %+v | %+v", *r.Left, *r.Right)
			}
			left, right = append(left, r.Left), append(right, r.Right)
			continue
		case r.Left != nil && r.Right != nil && (r.Left.Op != Delete || r.Right.Op != Insert):
			t.Fatalf("pair row %+v | %+v", *r.Left, *r.Right)
		case r.Left != nil && r.Left.Op != Delete, r.Right != nil && r.Right.Op != Insert:
			t.Fatalf("row %+v on the wrong side", r)
		}
		if r.Left != nil {
			left = append(left, r.Left)
		}
		if r.Right != nil {
			right = append(right, r.Right)
		}
	}
	var wantL, wantR []*Line
	for i := range h.Lines {
		if h.Lines[i].Op != Insert {
			wantL = append(wantL, &h.Lines[i])
		}
		if h.Lines[i].Op != Delete {
			wantR = append(wantR, &h.Lines[i])
		}
	}
	if !samePtrs(left, wantL) || !samePtrs(right, wantR) {
		t.Fatalf("side-by-side rows do not show each line once and in order")
	}
}

func samePtrs(a, b []*Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkRoundTrip applies Unified's patch with the strict in-test applier
// and wants after back, byte for byte.
func checkRoundTrip(t testing.TB, before, after string, context int) string {
	t.Helper()
	u := Unified(before, after, "a/running.conf", "b/running.conf", context)
	got, err := applyUnified(before, u)
	if err != nil {
		t.Fatalf("context %d: applying the patch: %v\npatch:\n%s", context, err, u)
	}
	if got != after {
		t.Fatalf("context %d: patch gives %q, want %q\npatch:\n%s", context, got, after, u)
	}
	return u
}
