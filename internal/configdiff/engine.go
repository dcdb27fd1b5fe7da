package configdiff

// This file holds the diff engine: Myers' O(ND) algorithm in linear space
// (the "middle snake" divide and conquer), with the two guards git's xdiff
// uses against large D: lines that occur on one side only are set aside
// before the search (they can never match, so the result stays minimal),
// and a split that costs more than maxCost edit steps settles for the
// furthest-reaching path found so far. A work budget on top of that turns
// whatever is left, once it is spent, into plain replacements, so two
// unrelated multi-megabyte files still finish in bounded time.

import "math"

// block is a run of changes: a[i0:i1] deleted and b[j0:j1] inserted, with
// equal lines (the same number on both sides) between consecutive blocks.
type block struct{ i0, i1, j0, j1 int }

// diffSides diffs two split texts line by line. When exact is false, "\r\n"
// and "\n" endings compare equal; a missing final line ending never does.
func diffSides(old, new side, exact bool) []block {
	ids := make(map[string]int32, len(old.text)+len(new.text))
	intern := func(sd side) []int32 {
		out := make([]int32, len(sd.text))
		for i := range sd.text {
			key := sd.raw[i]
			if !exact {
				key = sd.text[i]
				if sd.eol[i] == eolNone {
					key += "\n" // no line holds "\n", so this cannot collide
				}
			}
			id, ok := ids[key]
			if !ok {
				id = int32(len(ids))
				ids[key] = id
			}
			out[i] = id
		}
		return out
	}
	a, b := intern(old), intern(new)
	ca, cb, _ := diffIDs(a, b, len(ids), lineBudget(len(a)+len(b)))
	slide(a, b, ca, cb, old.text)
	slide(b, a, cb, ca, new.text)
	return blocksOf(ca, cb)
}

// lineBudget is the work (diagonal and snake steps) the engine may spend
// on n elements before it stops looking for matches and replaces what is
// left. At about 5-8 ns a step it holds the worst cases measured (two
// unrelated 4 MiB configurations; 500,000 random lines of "a" and "b")
// under half a second, while a realistic change stays far below it: 1% of
// a 4 MiB configuration changed takes 1.8 million steps, 10% 7.5 million.
func lineBudget(n int) int {
	return 20_000_000 + 20*n
}

// diffIDs marks the changed elements of a and b, whose values are below
// nids, and returns the work spent. It sets aside the elements that occur
// on one side only (they are changed whatever the alignment) and runs
// Myers on the rest.
func diffIDs(a, b []int32, nids, budget int) (ca, cb []bool, work int) {
	ca, cb = make([]bool, len(a)), make([]bool, len(b))
	// Common prefix and suffix first: they are the bulk of a real change
	// and cost nothing to match.
	lo := 0
	for lo < len(a) && lo < len(b) && a[lo] == b[lo] {
		lo++
	}
	hiA, hiB := len(a), len(b)
	for hiA > lo && hiB > lo && a[hiA-1] == b[hiB-1] {
		hiA--
		hiB--
	}
	if lo == hiA || lo == hiB {
		mark(ca, lo, hiA)
		mark(cb, lo, hiB)
		return ca, cb, 0
	}
	inA, inB := make([]bool, nids), make([]bool, nids)
	for _, id := range a[lo:hiA] {
		inA[id] = true
	}
	for _, id := range b[lo:hiB] {
		inB[id] = true
	}
	fa, ia := keep(a, lo, hiA, inB, ca)
	fb, ib := keep(b, lo, hiB, inA, cb)
	e := newEngine(fa, fb, budget)
	e.run()
	for k, c := range e.ca {
		ca[ia[k]] = c
	}
	for k, c := range e.cb {
		cb[ib[k]] = c
	}
	return ca, cb, e.work
}

// keep returns the elements of s[lo:hi] that other holds and their
// indexes, and marks the rest changed.
func keep(s []int32, lo, hi int, other, changed []bool) ([]int32, []int) {
	vals := make([]int32, 0, hi-lo)
	idx := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		if other[s[i]] {
			vals = append(vals, s[i])
			idx = append(idx, i)
		} else {
			changed[i] = true
		}
	}
	return vals, idx
}

func mark(c []bool, lo, hi int) {
	for i := lo; i < hi; i++ {
		c[i] = true
	}
}

// engine is one run of Myers' algorithm over a and b.
type engine struct {
	a, b    []int32
	ca, cb  []bool
	kf, kb  []int // furthest x per diagonal k = x-y, forward and backward, at k+off
	off     int
	maxCost int // edit steps per split before settling for a good-enough split
	work    int // diagonal steps taken so far
	budget  int // work after which the rest is marked changed without search
}

func newEngine(a, b []int32, budget int) *engine {
	n := len(a) + len(b) + 3
	maxCost := int(math.Sqrt(float64(n)))
	if maxCost < 256 {
		maxCost = 256
	}
	return &engine{
		a: a, b: b,
		ca: make([]bool, len(a)), cb: make([]bool, len(b)),
		kf: make([]int, n), kb: make([]int, n), off: len(b) + 1,
		maxCost: maxCost, budget: budget,
	}
}

// run marks the changed elements of e.a and e.b.
func (e *engine) run() {
	type span struct{ lo1, hi1, lo2, hi2 int }
	stack := []span{{0, len(e.a), 0, len(e.b)}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		lo1, hi1, lo2, hi2 := s.lo1, s.hi1, s.lo2, s.hi2
		for lo1 < hi1 && lo2 < hi2 && e.a[lo1] == e.b[lo2] {
			lo1++
			lo2++
		}
		for lo1 < hi1 && lo2 < hi2 && e.a[hi1-1] == e.b[hi2-1] {
			hi1--
			hi2--
		}
		if lo1 == hi1 || lo2 == hi2 || e.work > e.budget {
			mark(e.ca, lo1, hi1)
			mark(e.cb, lo2, hi2)
			continue
		}
		x, y := e.split(lo1, hi1, lo2, hi2)
		if (x == lo1 && y == lo2) || (x == hi1 && y == hi2) || x < lo1 || x > hi1 || y < lo2 || y > hi2 {
			// Cannot happen with both ranges non-empty and their ends
			// differing; if it did, recursing would not terminate.
			mark(e.ca, lo1, hi1)
			mark(e.cb, lo2, hi2)
			continue
		}
		stack = append(stack, span{x, hi1, y, hi2}, span{lo1, x, lo2, y})
	}
}

// split returns a point (x, y) that a shortest (or, past maxCost, a good)
// edit path through a[lo1:hi1] and b[lo2:hi2] passes, by running the search
// from both corners until the two frontiers meet. The ranges are non-empty
// and differ at both ends, so the point is never a corner.
func (e *engine) split(lo1, hi1, lo2, hi2 int) (int, int) {
	a, b, kf, kb, off := e.a, e.b, e.kf, e.kb, e.off
	dmin, dmax := lo1-hi2, hi1-lo2
	fmid, bmid := lo1-lo2, hi1-hi2
	odd := (fmid-bmid)&1 != 0
	fmin, fmax := fmid, fmid
	bmin, bmax := bmid, bmid
	kf[fmid+off] = lo1
	kb[bmid+off] = hi1
	for ec := 1; ; ec++ {
		if fmin > dmin {
			fmin--
			kf[fmin-1+off] = -1
		} else {
			fmin++
		}
		if fmax < dmax {
			fmax++
			kf[fmax+1+off] = -1
		} else {
			fmax--
		}
		for d := fmax; d >= fmin; d -= 2 {
			var x int
			if kf[d-1+off] >= kf[d+1+off] {
				x = kf[d-1+off] + 1
			} else {
				x = kf[d+1+off]
			}
			y := x - d
			x0 := x
			for x < hi1 && y < hi2 && a[x] == b[y] {
				x++
				y++
			}
			e.work += x - x0
			kf[d+off] = x
			if odd && bmin <= d && d <= bmax && kb[d+off] <= x {
				return x, y
			}
		}
		if bmin > dmin {
			bmin--
			kb[bmin-1+off] = math.MaxInt
		} else {
			bmin++
		}
		if bmax < dmax {
			bmax++
			kb[bmax+1+off] = math.MaxInt
		} else {
			bmax--
		}
		for d := bmax; d >= bmin; d -= 2 {
			var x int
			if kb[d-1+off] < kb[d+1+off] {
				x = kb[d-1+off]
			} else {
				x = kb[d+1+off] - 1
			}
			y := x - d
			x0 := x
			for x > lo1 && y > lo2 && a[x-1] == b[y-1] {
				x--
				y--
			}
			e.work += x0 - x
			kb[d+off] = x
			if !odd && fmin <= d && d <= fmax && x <= kf[d+off] {
				return x, y
			}
		}
		e.work += (fmax-fmin)/2 + (bmax-bmin)/2 + 2
		if ec >= e.maxCost || e.work > e.budget {
			return e.bestSplit(lo1, hi1, lo2, hi2, fmin, fmax, bmin, bmax)
		}
	}
}

// bestSplit gives up on a shortest path: it returns the forward or
// backward frontier point that got furthest from its corner.
func (e *engine) bestSplit(lo1, hi1, lo2, hi2, fmin, fmax, bmin, bmax int) (int, int) {
	fbest, fx := -1, -1
	for d := fmax; d >= fmin; d -= 2 {
		x := min(e.kf[d+e.off], hi1)
		y := x - d
		if y > hi2 {
			x, y = hi2+d, hi2
		}
		if x+y > fbest {
			fbest, fx = x+y, x
		}
	}
	bbest, bx := math.MaxInt, -1
	for d := bmax; d >= bmin; d -= 2 {
		x := max(e.kb[d+e.off], lo1)
		y := x - d
		if y < lo2 {
			x, y = lo2+d, lo2
		}
		if x+y < bbest {
			bbest, bx = x+y, x
		}
	}
	if (hi1+hi2)-bbest < fbest-(lo1+lo2) {
		return fx, fbest - fx
	}
	return bx, bbest - bx
}

// blocksOf turns changed marks into blocks.
func blocksOf(ca, cb []bool) []block {
	var out []block
	i, j := 0, 0
	for i < len(ca) || j < len(cb) {
		if i < len(ca) && j < len(cb) && !ca[i] && !cb[j] {
			i++
			j++
			continue
		}
		i0, j0 := i, j
		for i < len(ca) && ca[i] {
			i++
		}
		for j < len(cb) && cb[j] {
			j++
		}
		if i == i0 && j == j0 {
			// The unchanged lines do not pair up; the engine never
			// produces this, but a diff must stay valid: replace the rest.
			i, j = len(ca), len(cb)
		}
		out = append(out, block{i0, i, j0, j})
	}
	return out
}

// endingsChanged reports whether an unchanged line changed its ending.
func endingsChanged(old, new side, blocks []block) bool {
	i, j := 0, 0
	check := func(i1 int) bool {
		for ; i < i1; i, j = i+1, j+1 {
			if old.eol[i] != new.eol[j] {
				return true
			}
		}
		return false
	}
	for _, bl := range blocks {
		if check(bl.i0) {
			return true
		}
		i, j = bl.i1, bl.j1
	}
	return check(len(old.eol))
}
