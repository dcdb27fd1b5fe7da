package configdiff

import (
	"strings"
	"testing"
)

// FuzzCompute checks the invariants on arbitrary input: Unified's patch
// turns before into after exactly, and Compute's diff accounts for every
// line of both sides (see checkDiff).
func FuzzCompute(f *testing.F) {
	for _, c := range trickyCases {
		if len(c.before)+len(c.after) < 4096 {
			f.Add(c.before, c.after, 3)
		}
	}
	f.Add("interfaces {\n    ge-0/0/0 {\n        unit 0 {\n            family inet {\n                address 10.0.0.1/24;\n            }\n        }\n    }\n}\n",
		"interfaces {\n    ge-0/0/0 {\n        unit 0 {\n            family inet {\n                address 10.0.0.2/24;\n            }\n        }\n    }\n}\n", 1)
	f.Add("set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\r\n", "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/25\n", 0)
	f.Fuzz(func(t *testing.T, before, after string, context int) {
		context %= 8
		checkRoundTrip(t, before, after, context)
		d := Compute(before, after, context)
		checkDiff(t, before, after, context, d)
		if !d.Binary && before == after && len(d.Hunks) != 0 {
			t.Fatalf("identical inputs gave %d hunks", len(d.Hunks))
		}
		if !d.Binary && strings.ReplaceAll(before, "\r\n", "\n") == strings.ReplaceAll(after, "\r\n", "\n") && len(d.Hunks) != 0 {
			t.Fatalf("inputs that differ in CRLF only gave %d hunks", len(d.Hunks))
		}
	})
}
