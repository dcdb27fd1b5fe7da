package configdiff

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomText builds a short text from lines that repeat a lot, as
// configurations do, with LF or CRLF endings (sometimes mixed) and
// sometimes no newline at the end.
func randomText(r *rand.Rand) string {
	vocab := []string{"}", "    }", "unit 0 {", "    family inet;", "address 10.0.0.1/24;", "", "set system host-name r1", "a", "b", "\t"}
	crlf := r.IntN(3) == 0
	var b strings.Builder
	n := r.IntN(30)
	for i := range n {
		if r.IntN(4) == 0 {
			fmt.Fprintf(&b, "line %d", r.IntN(20))
		} else {
			b.WriteString(vocab[r.IntN(len(vocab))])
		}
		if i == n-1 && r.IntN(4) == 0 {
			break
		}
		if crlf != (r.IntN(10) == 0) {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// randomEdit applies a few edits of the kinds configurations see: lines
// inserted, deleted, changed, blocks moved, line endings converted, the
// final newline added or dropped.
func randomEdit(r *rand.Rand, text string) string {
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for range r.IntN(6) {
		switch k := r.IntN(7); {
		case k == 0 || len(lines) == 0:
			at := r.IntN(len(lines) + 1)
			lines = slices.Insert(lines, at, fmt.Sprintf("new %d\n", r.IntN(5)))
		case k == 1:
			i := r.IntN(len(lines))
			j := min(len(lines), i+1+r.IntN(4))
			lines = slices.Delete(lines, i, j)
		case k == 2:
			i := r.IntN(len(lines))
			lines[i] = "x" + lines[i]
		case k == 3:
			i := r.IntN(len(lines))
			j := min(len(lines), i+1+r.IntN(4))
			block := slices.Clone(lines[i:j])
			lines = slices.Delete(lines, i, j)
			lines = slices.Insert(lines, r.IntN(len(lines)+1), block...)
		case k == 4:
			for i := range lines {
				if strings.HasSuffix(lines[i], "\r\n") {
					lines[i] = strings.TrimSuffix(lines[i], "\r\n") + "\n"
				} else if strings.HasSuffix(lines[i], "\n") {
					lines[i] = strings.TrimSuffix(lines[i], "\n") + "\r\n"
				}
			}
		case k == 5:
			i := len(lines) - 1
			if strings.HasSuffix(lines[i], "\n") {
				lines[i] = strings.TrimSuffix(strings.TrimSuffix(lines[i], "\n"), "\r")
			} else {
				lines[i] += "\n"
			}
		default:
			i := r.IntN(len(lines))
			lines = slices.Insert(lines, i, lines[i])
		}
		// Only the last line may lack its newline.
		for i := 0; i < len(lines)-1; i++ {
			if !strings.HasSuffix(lines[i], "\n") {
				lines[i] += "\n"
			}
		}
	}
	return strings.Join(lines, "")
}

// TestRandomEditsRoundTrip is the property test: for random edits of
// random texts the patch Unified writes turns before into after exactly,
// and Compute's diff accounts for every line.
func TestRandomEditsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(20250301, 1))
	for i := range 200 {
		before := randomText(r)
		after := randomEdit(r, before)
		if r.IntN(10) == 0 {
			after = randomText(r)
		}
		context := r.IntN(5)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkRoundTrip(t, before, after, context)
			checkDiff(t, before, after, context, Compute(before, after, context))
		})
	}
}

// TestMinimal compares the number of changed lines with a textbook LCS:
// below the engine's cost cap Myers finds a shortest edit script, and
// setting lines aside or sliding groups must not lengthen it.
func TestMinimal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := range 300 {
		before := randomText(r)
		after := randomEdit(r, before)
		if r.IntN(5) == 0 {
			after = randomText(r)
		}
		old, new := splitSide(before), splitSide(after)
		viewKey := func(sd side) []string {
			k := slices.Clone(sd.text)
			for j := range k {
				if sd.eol[j] == eolNone {
					k[j] += "\n"
				}
			}
			return k
		}
		want := len(old.text) + len(new.text) - 2*lcsLen(viewKey(old), viewKey(new))
		if d := Compute(before, after, 3); d.Stats.Added+d.Stats.Removed != want {
			t.Fatalf("case %d: Compute changes %d lines, a shortest script %d\nbefore %q\nafter %q", i, d.Stats.Added+d.Stats.Removed, want, before, after)
		}
		want = len(old.raw) + len(new.raw) - 2*lcsLen(old.raw, new.raw)
		got := 0
		for _, l := range strings.Split(Unified(before, after, "a", "b", 3), "\n") {
			if (strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++ ")) || (strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "--- ")) {
				got++
			}
		}
		if got != want {
			t.Fatalf("case %d: Unified changes %d lines, a shortest script %d", i, got, want)
		}
	}
}

func lcsLen(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// TestEngineBudget runs the engine with almost no budget and with the
// cost cap hit, where it must give up on finding matches gracefully: the
// lines it keeps as unchanged must still pair up in order.
func TestEngineBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, budget := range []int{0, 10, 1000, 1 << 30} {
		for range 50 {
			n, m := r.IntN(3000), r.IntN(3000)
			a, b := make([]int32, n), make([]int32, m)
			for i := range a {
				a[i] = int32(r.IntN(3))
			}
			for i := range b {
				b[i] = int32(r.IntN(3))
			}
			ca, cb, _ := diffIDs(a, b, 3, budget)
			var ka, kb []int32
			for i, c := range ca {
				if !c {
					ka = append(ka, a[i])
				}
			}
			for i, c := range cb {
				if !c {
					kb = append(kb, b[i])
				}
			}
			if !slices.Equal(ka, kb) {
				t.Fatalf("budget %d: unchanged elements differ between the sides", budget)
			}
		}
	}
}

// TestUnrelatedConfigs diffs two unrelated large configurations, where
// the cost cap and the budget decide, and wants a valid diff.
func TestUnrelatedConfigs(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	before, after := junosConfig(1, 1<<20), junosConfig(2, 1<<20)
	d := Compute(before, after, 3)
	checkDiff(t, before, after, 3, d)
	checkRoundTrip(t, before, after, 3)
	sb, sa := setStyle(before), setStyle(after)
	checkDiff(t, sb, sa, 3, Compute(sb, sa, 3))
	checkRoundTrip(t, sb, sa, 3)
}
