package configdiff

// Row is one row of a two-column view. Context rows have both sides (the
// same line), a modified line has its Delete on the Left and its Insert on
// the Right, and a line deleted or inserted without a counterpart has the
// other side nil.
type Row struct{ Left, Right *Line }

// SideBySide pairs the lines of each hunk for a two-column view: deletions
// on the left, insertions on the right, aligned, modified lines paired
// (with Segments). It pairs the lines the way Compute did, so it works on
// any hunk Compute returned; within a run of changes the unpaired
// deletions and insertions before a pair come first, each on a row of its
// own. The rows point into h.Lines.
func SideBySide(h Hunk) []Row {
	rows := make([]Row, 0, len(h.Lines))
	for k := 0; k < len(h.Lines); {
		if h.Lines[k].Op == Equal {
			rows = append(rows, Row{Left: &h.Lines[k], Right: &h.Lines[k]})
			k++
			continue
		}
		d0 := k
		for k < len(h.Lines) && h.Lines[k].Op == Delete {
			k++
		}
		i0 := k
		for k < len(h.Lines) && h.Lines[k].Op == Insert {
			k++
		}
		dels, inss := h.Lines[d0:i0], h.Lines[i0:k]
		if len(dels) == 0 && len(inss) == 0 {
			k++ // an Op outside the three kinds; skip it rather than loop
			continue
		}
		rows = appendPairedRows(rows, dels, inss)
	}
	return rows
}

func appendPairedRows(rows []Row, dels, inss []Line) []Row {
	var pairs []int
	if len(dels) > 0 && len(inss) > 0 {
		dt, it := make([]string, len(dels)), make([]string, len(inss))
		for i := range dels {
			dt[i] = dels[i].Text
		}
		for i := range inss {
			it[i] = inss[i].Text
		}
		pairs = pairLines(dt, it)
	}
	j := 0
	for i := range dels {
		if pairs == nil || pairs[i] < 0 {
			rows = append(rows, Row{Left: &dels[i]})
			continue
		}
		for ; j < pairs[i]; j++ {
			rows = append(rows, Row{Right: &inss[j]})
		}
		rows = append(rows, Row{Left: &dels[i], Right: &inss[j]})
		j++
	}
	for ; j < len(inss); j++ {
		rows = append(rows, Row{Right: &inss[j]})
	}
	return rows
}
