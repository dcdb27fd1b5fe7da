package configdiff

// slide moves each pure group of changed lines of x (a run with no change
// on the other side at that point) to the position a reader expects when
// the choice is ambiguous. Inserting a block after an identical sibling
//
//	unit 0 {            unit 0 {
//	    family inet;        family inet;
//	}                   }
//	                    unit 1 {
//	                        family inet;
//	                    }
//
// can be shown as the three lines starting at any of the last four; Myers
// picks one by accident. Like git's indent heuristic (simplified), slide
// prefers the position where the group's first line and the line after
// the group are least indented, so the group starts and ends at a block
// boundary, and the lowest such position on a tie. Groups never slide
// into another change, so the alignment between the sides stays as it was.
func slide(x, y []int32, cx, cy []bool, tx []string) {
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		if i < len(x) && j < len(y) && !cx[i] && !cy[j] {
			i++
			j++
			continue
		}
		g0, p := i, j
		for i < len(x) && cx[i] {
			i++
		}
		for j < len(y) && cy[j] {
			j++
		}
		if i == g0 && j == p {
			return // unpaired unchanged lines; blocksOf copes, slide need not
		}
		if j != p || i == g0 {
			continue // not a pure group of x
		}
		g1 := i
		up := 0
		for {
			s0, s1, q := g0-up, g1-up, p-up
			if s0 == 0 || q == 0 || cx[s0-1] || cy[q-1] || x[s0-1] != x[s1-1] {
				break
			}
			// After the move the group must still be preceded by a pair
			// of unchanged lines, or by the start of both sides.
			if !(s0 == 1 && q == 1) && (s0 == 1 || q == 1 || cx[s0-2] || cy[q-2]) {
				break
			}
			up++
		}
		down := 0
		for {
			s0, s1, q := g0+down, g1+down, p+down
			if s1 == len(x) || q == len(y) || cx[s1] || cy[q] || x[s0] != x[s1] {
				break
			}
			if !(s1+1 == len(x) && q+1 == len(y)) && (s1+1 == len(x) || q+1 == len(y) || cx[s1+1] || cy[q+1]) {
				break
			}
			down++
		}
		if up == 0 && down == 0 {
			continue
		}
		best, bestScore := 0, -1
		for off := -up; off <= down; off++ {
			score := indent(tx[g0+off])
			if g1+off < len(tx) {
				score += indent(tx[g1+off])
			}
			if bestScore < 0 || score <= bestScore {
				best, bestScore = off, score
			}
		}
		if best != 0 {
			for k := g0; k < g1; k++ {
				cx[k] = false
			}
			for k := g0 + best; k < g1+best; k++ {
				cx[k] = true
			}
		}
		i, j = g1+best, p+best
	}
}

// indent is the width of a line's leading white space, a tab counting as
// eight columns; a blank line counts as not indented.
func indent(s string) int {
	n := 0
	for k := 0; k < len(s); k++ {
		switch s[k] {
		case ' ':
			n++
		case '\t':
			n += 8
		default:
			return n
		}
	}
	return 0
}
