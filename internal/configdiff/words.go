package configdiff

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits that keep the word level linear in the size of the input.
const (
	// maxWordDiffBytes is the longest line pair (both lines together)
	// split into word segments; longer pairs get none, so a 1 MB line
	// costs a pass over its bytes and not a token diff.
	maxWordDiffBytes = 10_000
	// maxPairCells and maxPairBytes bound the similarity matrix a run of
	// changed lines is paired by; larger runs pair line i with line i.
	maxPairCells = 10_000
	maxPairBytes = 256 << 10
	// pairThreshold is the similarity from which a deleted and an inserted
	// line count as one modified line.
	pairThreshold = 0.5
)

// tokenize splits a line into words (runs of letters, digits and "_.-/",
// so that ge-0/0/0 and 10.0.0.1/24 stay whole), runs of white space and
// single other characters. Invalid UTF-8 bytes are tokens of their own.
func tokenize(s string) []string {
	toks := make([]string, 0, len(s)/4+1)
	for i := 0; i < len(s); {
		start := i
		class, size := classAt(s, i)
		i += size
		if class != classOther {
			for i < len(s) {
				c, size := classAt(s, i)
				if c != class {
					break
				}
				i += size
			}
		}
		toks = append(toks, s[start:i])
	}
	return toks
}

const (
	classOther = iota
	classWord
	classSpace
)

// asciiClass holds runeClass for ASCII, which is nearly all of a
// configuration.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for r := range rune(utf8.RuneSelf) {
		t[r] = uint8(runeClass(r))
	}
	return t
}()

// classAt returns the class and size of the rune at s[i].
func classAt(s string, i int) (int, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return int(asciiClass[c]), 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return runeClass(r), size
}

func runeClass(r rune) int {
	switch {
	case r == '_' || r == '.' || r == '-' || r == '/' || unicode.IsLetter(r) || unicode.IsDigit(r):
		return classWord
	case r == ' ' || r == '\t' || (r >= utf8.RuneSelf && unicode.IsSpace(r)):
		return classSpace
	}
	return classOther
}

// wordBudget is the engine work one Compute may spend on word segments in
// all (about 0.1 s). Most line pairs cost a few hundred steps; a run of
// thousands of long, dissimilar pairs would otherwise add up, so once it
// is spent the remaining pairs are split by common prefix and suffix
// alone, which is linear and still right for the usual single change.
const wordBudget = 20_000_000

// wordSplitter splits modified line pairs into segments within a budget.
type wordSplitter struct{ budget int }

// wordDiff splits one pair with a fresh budget.
func wordDiff(a, b string) (sa, sb []Segment) {
	return (&wordSplitter{budget: wordBudget}).split(a, b)
}

// split splits a modified line pair into segments, marking the tokens that
// differ. It returns nil for pairs longer than maxWordDiffBytes.
func (w *wordSplitter) split(a, b string) (sa, sb []Segment) {
	if len(a)+len(b) > maxWordDiffBytes {
		return nil, nil
	}
	ta, tb := tokenize(a), tokenize(b)
	var ca, cb []bool
	if w.budget > 0 {
		ids := make(map[string]int32, len(ta)+len(tb))
		intern := func(toks []string) []int32 {
			out := make([]int32, len(toks))
			for i, t := range toks {
				id, ok := ids[t]
				if !ok {
					id = int32(len(ids))
					ids[t] = id
				}
				out[i] = id
			}
			return out
		}
		ia, ib := intern(ta), intern(tb)
		var work int
		ca, cb, work = diffIDs(ia, ib, len(ids), w.budget)
		w.budget -= work
	} else {
		ca, cb = affixSplit(ta, tb)
	}
	absorbFiller(ta, ca, cb)
	return segments(a, ta, ca), segments(b, tb, cb)
}

// affixSplit marks everything between the common prefix and the common
// suffix of two token lists as changed.
func affixSplit(ta, tb []string) (ca, cb []bool) {
	ca, cb = make([]bool, len(ta)), make([]bool, len(tb))
	p := 0
	for p < len(ta) && p < len(tb) && ta[p] == tb[p] {
		p++
	}
	s := 0
	for s < len(ta)-p && s < len(tb)-p && ta[len(ta)-1-s] == tb[len(tb)-1-s] {
		s++
	}
	mark(ca, p, len(ta)-s)
	mark(cb, p, len(tb)-s)
	return ca, cb
}

// absorbFiller marks as changed the unchanged runs of white space and
// punctuation that sit between two changes, so "a, b" against "c, d" shows
// one changed stretch instead of four fragments around a kept ", ".
func absorbFiller(ta []string, ca, cb []bool) {
	i, j := 0, 0
	changedBefore := false
	for i < len(ca) || j < len(cb) {
		if i < len(ca) && j < len(cb) && !ca[i] && !cb[j] {
			i0, j0 := i, j
			filler := true
			for i < len(ca) && j < len(cb) && !ca[i] && !cb[j] {
				if filler && tokenClass(ta[i]) == classWord {
					filler = false
				}
				i++
				j++
			}
			atEnd := i == len(ca) && j == len(cb)
			if changedBefore && filler && !atEnd {
				mark(ca, i0, i)
				mark(cb, j0, j)
			}
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
			return // unchanged tokens that do not pair up; diffIDs never does that
		}
		changedBefore = true
	}
}

// tokenClass is the class of a token, which all its runes share.
func tokenClass(tok string) int {
	c, _ := classAt(tok, 0)
	return c
}

// segments joins runs of tokens of line with the same mark. The tokens
// tile the line, so a segment is a slice of it, not a copy.
func segments(line string, toks []string, changed []bool) []Segment {
	segs := []Segment{}
	at := 0
	for i := 0; i < len(toks); {
		start, c := at, changed[i]
		for ; i < len(toks) && changed[i] == c; i++ {
			at += len(toks[i])
		}
		segs = append(segs, Segment{Text: line[start:at], Changed: c})
	}
	return segs
}

// pairLines decides which deleted line of a run of changes became which
// inserted line: for each line of del, the index in ins of its counterpart
// or -1. Pairs keep their order and are chosen to maximise the summed
// similarity of the paired lines, each at least pairThreshold; runs too
// large for that pair line i with line i when those are similar.
func pairLines(del, ins []string) []int {
	out := make([]int, len(del))
	for i := range out {
		out[i] = -1
	}
	k, m := len(del), len(ins)
	total := 0
	for _, s := range del {
		total += len(s)
	}
	for _, s := range ins {
		total += len(s)
	}
	if k*m > maxPairCells || total > maxPairBytes {
		for i := range min(k, m) {
			if similarity(del[i], ins[i], nil, nil) >= pairThreshold {
				out[i] = i
			}
		}
		return out
	}
	ids := map[string]int32{}
	bags := func(lines []string) [][]int32 {
		out := make([][]int32, len(lines))
		for i, l := range lines {
			if len(l) > maxWordDiffBytes {
				continue
			}
			toks := tokenize(l)
			out[i] = make([]int32, 0, len(toks))
			for _, t := range toks {
				if tokenClass(t) != classWord {
					continue // ";" and "{" end most lines and say nothing
				}
				id, ok := ids[t]
				if !ok {
					id = int32(len(ids))
					ids[t] = id
				}
				out[i] = append(out[i], id)
			}
			slices.Sort(out[i])
		}
		return out
	}
	bd, bi := bags(del), bags(ins)
	sim := make([]float64, k*m)
	for i := range k {
		for j := range m {
			sim[i*m+j] = similarity(del[i], ins[j], bd[i], bi[j])
		}
	}
	// best[i*(m+1)+j] is the largest summed similarity of a pairing of
	// del[i:] with ins[j:].
	w := m + 1
	best := make([]float64, (k+1)*w)
	for i := k - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			v := max(best[(i+1)*w+j], best[i*w+j+1])
			if s := sim[i*m+j]; s >= pairThreshold {
				v = max(v, s+best[(i+1)*w+j+1])
			}
			best[i*w+j] = v
		}
	}
	for i, j := 0, 0; i < k && j < m; {
		switch s := sim[i*m+j]; {
		case s >= pairThreshold && best[i*w+j] == s+best[(i+1)*w+j+1]:
			out[i] = j
			i++
			j++
		case best[i*w+j] == best[(i+1)*w+j]:
			i++
		default:
			j++
		}
	}
	return out
}

// similarity scores two lines from 0 to 1: the larger of the share of
// bytes in their common prefix and suffix (indentation aside), which is
// high when one thing in the line changed, and the Dice coefficient of
// their sorted word token ids ba and bb, which is high when several
// things changed but most words stayed. Nil bags skip the second.
func similarity(a, b string, ba, bb []int32) float64 {
	a, b = strings.TrimLeft(a, " \t"), strings.TrimLeft(b, " \t")
	la, lb := len(a), len(b)
	if la == 0 && lb == 0 {
		return 1
	}
	p := 0
	for p < la && p < lb && a[p] == b[p] {
		p++
	}
	s := 0
	for s < la-p && s < lb-p && a[la-1-s] == b[lb-1-s] {
		s++
	}
	score := float64(p+s) / float64(max(la, lb))
	if len(ba)+len(bb) > 0 {
		common := 0
		for x, y := 0, 0; x < len(ba) && y < len(bb); {
			switch {
			case ba[x] == bb[y]:
				common++
				x++
				y++
			case ba[x] < bb[y]:
				x++
			default:
				y++
			}
		}
		score = max(score, 2*float64(common)/float64(len(ba)+len(bb)))
	}
	return score
}
