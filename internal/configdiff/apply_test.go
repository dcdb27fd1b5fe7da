package configdiff

import (
	"fmt"
	"strconv"
	"strings"
)

// applyUnified applies a unified diff to before the strict way: every
// context and deleted line must match exactly where the hunk header says,
// and the header counts must agree with the hunk body. It checks Unified
// independently of how Unified was written.
func applyUnified(before, patch string) (string, error) {
	if patch == "" {
		return before, nil
	}
	pl := strings.SplitAfter(patch, "\n")
	if pl[len(pl)-1] == "" {
		pl = pl[:len(pl)-1]
	}
	if len(pl) < 2 || !strings.HasPrefix(pl[0], "--- ") || !strings.HasPrefix(pl[1], "+++ ") {
		return "", fmt.Errorf("missing ---/+++ headers")
	}
	src := strings.SplitAfter(before, "\n")
	if src[len(src)-1] == "" {
		src = src[:len(src)-1]
	}
	var out strings.Builder
	next := 0 // index into src of the first line not yet copied
	k := 2
	for k < len(pl) {
		oldStart, oldCount, newStart, newCount, err := parseHeader(pl[k])
		if err != nil {
			return "", err
		}
		_ = newStart
		k++
		var oldBody, newBody []string
		for k < len(pl) && !strings.HasPrefix(pl[k], "@@ ") {
			l := pl[k]
			k++
			if !strings.HasSuffix(l, "\n") {
				return "", fmt.Errorf("patch line %q lacks its newline", l)
			}
			noEOL := k < len(pl) && strings.HasPrefix(pl[k], `\ No newline at end of file`)
			content := l[1:]
			if noEOL {
				content = strings.TrimSuffix(content, "\n")
				k++
			}
			switch l[0] {
			case ' ':
				oldBody = append(oldBody, content)
				newBody = append(newBody, content)
			case '-':
				oldBody = append(oldBody, content)
			case '+':
				newBody = append(newBody, content)
			default:
				return "", fmt.Errorf("unexpected patch line %q", l)
			}
		}
		if len(oldBody) != oldCount || len(newBody) != newCount {
			return "", fmt.Errorf("hunk %q has %d old and %d new lines", pl[k-1], len(oldBody), len(newBody))
		}
		at := oldStart - 1 // 0-based first old line
		if oldCount == 0 {
			at = oldStart
		}
		if at < next || at+oldCount > len(src) {
			return "", fmt.Errorf("hunk at old line %d out of order or range", oldStart)
		}
		for _, l := range src[next:at] {
			out.WriteString(l)
		}
		for i, l := range oldBody {
			if src[at+i] != l {
				return "", fmt.Errorf("old line %d is %q, hunk expects %q", at+i+1, src[at+i], l)
			}
		}
		for _, l := range newBody {
			out.WriteString(l)
		}
		next = at + oldCount
	}
	for _, l := range src[next:] {
		out.WriteString(l)
	}
	return out.String(), nil
}

// parseHeader reads "@@ -a[,b] +c[,d] @@".
func parseHeader(l string) (a, b, c, d int, err error) {
	f := strings.Fields(l)
	if len(f) < 4 || f[0] != "@@" || f[3] != "@@" || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return 0, 0, 0, 0, fmt.Errorf("bad hunk header %q", l)
	}
	rng := func(s string) (int, int, error) {
		start, count, found := strings.Cut(s, ",")
		x, err := strconv.Atoi(start)
		if err != nil {
			return 0, 0, err
		}
		if !found {
			return x, 1, nil
		}
		y, err := strconv.Atoi(count)
		return x, y, err
	}
	if a, b, err = rng(f[1][1:]); err != nil {
		return
	}
	c, d, err = rng(f[2][1:])
	return
}
