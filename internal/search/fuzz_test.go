package search

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that every error is a
// *SyntaxError pointing into the query, and that every query it accepts
// prints to text no longer than the input that reads back to it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`user:super task:"Apply CLI Configlet" result:Failure,Job\ Scheduled ip:172.16.0.0/16 after:2026-11-01 before:"2026-11-02 10:00" object:Device:mx960-1 -domain:Global/Lab ntp`,
		`user:net* -login "set system" a\ b \-x user\:x`,
		`ip:::ffff:10.1.2.3/104,1::2:3:4:5:6:7,fe80:* job:007 id:1,2`,
		`after:-24h before:-7d after:"2026-03-29 02:30" before:2026-10-25T02:30`,
		`task:"a,b"\,c* workspace:"" object:A:"b c"d`,
		`result:recurring\ job\ scheduled -"" "unterminated`,
		`foo:bar - x\`,
		// The limits, so that the fuzzer need not discover (and spend its
		// time minimizing) kilobyte inputs to reach them.
		strings.Repeat("a", MaxQueryBytes+1),
		strings.Repeat("a ", MaxTerms+1),
		"id:" + strings.Repeat("1,", MaxValues+1) + "1",
		"user:" + strings.Repeat("u", 129) + " domain:" + strings.Repeat("d", 513),
		"object:D:" + strings.Repeat("n", 256),
		"ip:" + strings.Repeat("1::2:3:4:5:6:7,", 40) + "1::2",
		// Issue 13: one term of 1,000 words, which SQLite refused as too
		// deep an expression; and the query-wide limits of words, values
		// and network prefixes.
		strings.Repeat("x*q=", 500),
		strings.Repeat("a-b-c-d-e-f-g-h ", MaxQueryWords/8+1),
		strings.Repeat("id:"+strings.Repeat("1,", MaxValues-1)+"1 ", MaxQueryValues/MaxValues+1),
		"ip:10.0.0.0/9,11.0.0.0/9 -ip:12.0.0.0/25",
	} {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{nil, berlin} {
			q, err := Parse(s, now, loc)
			if err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("Parse(%q): %T %v, want *SyntaxError", s, err, err)
				}
				if se.Pos < 0 || se.Pos > len(s) {
					t.Fatalf("Parse(%q): position %d outside 0..%d", s, se.Pos, len(s))
				}
				continue
			}
			out := q.String()
			if short := q.format(true); len(short) > len(s) {
				t.Fatalf("Parse(%q).format(true) = %q is longer than the input", s, short)
			}
			again, err := Parse(out, now, loc)
			if err != nil {
				t.Fatalf("Parse(%q).String() = %q, which does not parse: %v", s, out, err)
			}
			if d := queryDiff(q, again); d != "" {
				t.Fatalf("round trip of %q through %q (-want +got):\n%s", s, out, d)
			}
		}
	})
}
