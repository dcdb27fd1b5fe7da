package configdiff

// assemble groups blocks into hunks with context lines, fills in the gaps
// between them and, when words is not nil, pairs modified lines and splits
// them into word segments.
func assemble(old, new side, blocks []block, context int, words *wordSplitter) Diff {
	n, m := len(old.text), len(new.text)
	context = min(max(context, 0), n+m+1) // so that 2*context cannot overflow
	d := Diff{OldLines: n, NewLines: m}
	oldEnd, newEnd := 0, 0 // where the previous hunk ended, 0-based exclusive
	for k := 0; k < len(blocks); {
		last := k
		for last+1 < len(blocks) && blocks[last+1].i0-blocks[last].i1 <= 2*context {
			last++
		}
		first, final := blocks[k], blocks[last]
		pre := min(context, first.i0-oldEnd)
		post := min(context, n-final.i1)
		from1, from2 := first.i0-pre, first.j0-pre
		to1, to2 := final.i1+post, final.j1+post

		d.Gaps = append(d.Gaps, Gap{OldStart: oldEnd + 1, NewStart: newEnd + 1, Count: from1 - oldEnd})
		h := Hunk{OldLines: to1 - from1, NewLines: to2 - from2}
		h.OldStart, h.NewStart = headerStart(from1, h.OldLines), headerStart(from2, h.NewLines)
		h.Lines = make([]Line, 0, to1-from1+final.j1-first.j0+post)
		i, j := from1, from2
		for _, bl := range blocks[k : last+1] {
			for ; i < bl.i0; i, j = i+1, j+1 {
				h.Lines = append(h.Lines, Line{Op: Equal, OldNo: i + 1, NewNo: j + 1, Text: old.text[i]})
			}
			h.Lines = appendBlock(h.Lines, old, new, bl, words)
			d.Stats.Removed += bl.i1 - bl.i0
			d.Stats.Added += bl.j1 - bl.j0
			i, j = bl.i1, bl.j1
		}
		for ; i < to1; i, j = i+1, j+1 {
			h.Lines = append(h.Lines, Line{Op: Equal, OldNo: i + 1, NewNo: j + 1, Text: old.text[i]})
		}
		d.Hunks = append(d.Hunks, h)
		oldEnd, newEnd = to1, to2
		k = last + 1
	}
	d.Tail = Gap{OldStart: oldEnd + 1, NewStart: newEnd + 1, Count: n - oldEnd}
	return d
}

// headerStart is the start a unified hunk header names for a range of
// count lines beginning at the 0-based line from: the 1-based first line,
// or for an empty range the line after which it sits.
func headerStart(from, count int) int {
	if count == 0 {
		return from
	}
	return from + 1
}

// appendBlock appends the deletions and then the insertions of bl.
func appendBlock(lines []Line, old, new side, bl block, words *wordSplitter) []Line {
	del, ins := old.text[bl.i0:bl.i1], new.text[bl.j0:bl.j1]
	var segDel, segIns [][]Segment
	if words != nil && len(del) > 0 && len(ins) > 0 {
		segDel, segIns = make([][]Segment, len(del)), make([][]Segment, len(ins))
		for di, ii := range pairLines(del, ins) {
			if ii >= 0 {
				segDel[di], segIns[ii] = words.split(del[di], ins[ii])
			}
		}
	}
	for k, t := range del {
		l := Line{Op: Delete, OldNo: bl.i0 + k + 1, Text: t}
		if segDel != nil {
			l.Segments = segDel[k]
		}
		lines = append(lines, l)
	}
	for k, t := range ins {
		l := Line{Op: Insert, NewNo: bl.j0 + k + 1, Text: t}
		if segIns != nil {
			l.Segments = segIns[k]
		}
		lines = append(lines, l)
	}
	return lines
}
