// Package configdiff computes the diffs of device configurations that
// configuration tasks record before and after: hunks with context and
// expandable gaps for the UI, word-level highlights of modified lines,
// side-by-side rows, and unified diffs that patch(1) and git apply accept.
// It is pure logic: strings in, values out.
//
// # Why its own diff engine
//
// The engine (engine.go) is Myers' O(ND) algorithm in linear space with
// git xdiff's guards: lines found on one side only are set aside first
// (the result stays minimal), a split that passes a cost cap settles for
// the furthest path found, and a work budget turns whatever is left into
// replacements. It was chosen over the two libraries the house style
// names by measurement on a generated 1 MiB Junos configuration (40,246
// lines) against a copy with 592 lines changed, and against an unrelated
// configuration of the same size:
//
//   - github.com/aymanbagabas/go-udiff v0.4.1 took 25 ms but reported
//     65,592 changed lines for the 592: its search stops at 100 edits and
//     replaces the rest of the file wholesale, which is useless for a
//     large configuration with a few hundred changes.
//   - github.com/sergi/go-diff v1.4.0 (line mode) found the 592 in 12 ms,
//     but on unrelated files it ran into its 1 s wall-clock timeout, so
//     both its time and its answer depend on how busy the machine is.
//   - This package: 6 ms for the 592 lines (BenchmarkCompute1MiB, word
//     segments included) and 85 ms for the unrelated pair
//     (BenchmarkComputeUnrelated1MiB), with a deterministic answer. Two
//     unrelated 4 MiB configurations take 0.2 s and two files of 500,000
//     random "a"/"b" lines, where the work budget decides, 0.4 s.
//
// Neither library treats "\r\n" and "\n" as the same ending, knows
// Junos tokens (ge-0/0/0, 10.0.0.1/24) or pairs modified lines, so those
// would have been ours anyway; with the engine ours too the package needs
// no dependency.
//
// # Line endings
//
// Compute compares lines with "\r\n" and "\n" as the same ending, so a
// configuration converted to or from CRLF shows as Diff.LineEndingsChanged
// and not as every line replaced; a missing newline at the end of the file
// does count as a change of the last line. Unified compares bytes, because
// its patch must reproduce after exactly.
//
// # Word level
//
// Modified lines are the deletions and insertions of one run of changes
// that pairLines matches by similarity. Their tokens are runs of letters,
// digits and "_.-/" (so interface names, addresses and prefixes stay
// whole), runs of white space and single other characters; the token diff
// uses the same engine. An address change in either curly-brace or set
// style therefore marks only the address.
package configdiff
