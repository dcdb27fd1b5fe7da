package search

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct{ q, want string }{
		{"", ""},
		{"ntp user:super", "user:super ntp"},
		{"USER_NAME:a app:REST job_id:007 user_ip:10.0.0.1", "user:a application:REST job:7 ip:10.0.0.1"},
		{`task:Apply\ CLI`, `task:"Apply CLI"`},
		{`task:a\,b,c`, `task:a\,b,c`},
		{`task:a\,\,\,b`, `task:"a,,,b"`},
		{`task:"net*" task:net*`, `task:net\* task:net*`},
		{`task:"a b"*`, `task:"a b"*`},
		{`task:"say \"hi\""`, `task:"say \"hi\""`},
		{`workspace:""`, `workspace:""`},
		{"result:failure,job\\ scheduled", `result:Failure,"Job Scheduled"`},
		{"ip:::FFFF:10.1.2.3 ip:10.1.2.3/8", "ip:10.1.2.3 ip:10.0.0.0/8"},
		{`"ntp" -"a b" a\ b \-x --x user\:x net* -login`, `"ntp" -"a b" "a b" \-x --x user\:x net* -login`},
		{`"user:x" "-x"`, `"user:x" "-x"`},
	}
	for _, tt := range tests {
		q, err := parse(tt.q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.q, err)
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %s, want %s", tt.q, got, tt.want)
		}
		checkRoundTrip(t, q, now, nil)
	}
}

// TestStringAtTheLimit checks that a query near MaxQueryBytes whose
// readable form would be longer prints in its compact form, which fits.
func TestStringAtTheLimit(t *testing.T) {
	// Each value is one byte longer quoted than escaped, each address one
	// byte longer in canonical text than as typed.
	var parts []string
	for i := 0; i < 40; i++ {
		parts = append(parts, `app:a\ b,c\ d`)
	}
	ips := "ip:" + strings.TrimSuffix(strings.Repeat("1::2:3:4:5:6:7,", 29), ",")
	s := strings.Join(parts, " ") + " " + ips
	s += " " + strings.Repeat("x", MaxQueryBytes-len(s)-1)
	if len(s) != MaxQueryBytes {
		t.Fatalf("test query is %d bytes", len(s))
	}
	q, err := parse(s)
	if err != nil {
		t.Fatal(err)
	}
	if long := q.format(false); len(long) <= MaxQueryBytes {
		t.Fatalf("the readable form fits (%d bytes); the test tests nothing", len(long))
	}
	out := q.String()
	if len(out) > len(s) {
		t.Fatalf("String() is %d bytes, longer than the %d it came from", len(out), len(s))
	}
	checkRoundTrip(t, q, now, nil)
}

func TestCompactIP(t *testing.T) {
	for in, want := range map[string]string{
		"1:0:2:3:4:5:6:7":     "1::2:3:4:5:6:7",
		"0:1:2:3:4:5:6:7":     "0:1:2:3:4:5:6:7", // no shorter
		"1:2:3:4:5:6:7:0":     "1:2:3:4:5:6:7:0",
		"1:0:2:3:4:5:6:7/128": "1::2:3:4:5:6:7/128",
		"1::2":                "1::2",
		"::1:1:0:0:1:0":       "0:0:1:1::1:0",
		"::":                  "::",
		"::ffff:1.2.3.4":      "::ffff:1.2.3.4",
		"10.0.0.1":            "10.0.0.1",
		"10.0.0.0/8":          "10.0.0.0/8",
	} {
		if got := compactIP(in); got != want {
			t.Errorf("compactIP(%q) = %q, want %q", in, got, want)
		}
	}
}
