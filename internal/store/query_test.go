package store

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/audit"
)

func TestParseSort(t *testing.T) {
	if len(SortFields) != 10 {
		t.Fatalf("SortFields has %d fields; update this test", len(SortFields))
	}
	for _, f := range SortFields {
		got, err := ParseSort(string(f))
		if err != nil || got != (Sort{Field: f}) {
			t.Errorf("ParseSort(%q) = %+v, %v; want ascending %s", f, got, err, f)
		}
		if got.String() != string(f) {
			t.Errorf("Sort{%s}.String() = %q", f, got.String())
		}
		got, err = ParseSort("-" + string(f))
		if err != nil || got != (Sort{Field: f, Desc: true}) {
			t.Errorf("ParseSort(%q) = %+v, %v; want descending %s", "-"+f, got, err, f)
		}
		if got.String() != "-"+string(f) {
			t.Errorf("descending %s String() = %q", f, got.String())
		}
	}
	if got, err := ParseSort(""); err != nil || got != DefaultSort || got != (Sort{Field: SortTimestamp, Desc: true}) {
		t.Errorf("ParseSort(\"\") = %+v, %v; want newest first", got, err)
	}
	for _, s := range []string{"description", "-", "--id", "+id", "ID", " id", "id ", "user-name", "hash", "-bogus"} {
		if got, err := ParseSort(s); err == nil {
			t.Errorf("ParseSort(%q) = %+v, want an error", s, got)
		}
	}
}

func cursorEntry() *audit.Entry {
	return &audit.Entry{
		ID:          42,
		Timestamp:   time.Date(2026, 11, 25, 22, 31, 34, 123456000, time.UTC),
		UserName:    "super",
		UserIP:      "10.0.0.1",
		Domain:      "Global/EMEA",
		Application: "REST",
		Workspace:   "Devices",
		Task:        "Login",
		Result:      audit.ResultSuccess,
		JobID:       360448,
	}
}

func TestCursorAtAndRoundTrip(t *testing.T) {
	e := cursorEntry()
	text := map[SortField]string{
		SortUserName: "super", SortUserIP: "10.0.0.1", SortDomain: "Global/EMEA", SortApplication: "REST",
		SortWorkspace: "Devices", SortTask: "Login", SortResult: "Success",
	}
	for _, f := range SortFields {
		for _, desc := range []bool{false, true} {
			for _, backward := range []bool{false, true} {
				s := Sort{Field: f, Desc: desc}
				c := CursorAt(s, e, backward)
				want := &Cursor{Sort: s.String(), Text: text[f], TS: e.Timestamp.UnixMicro(), ID: 42, Backward: backward}
				if f == SortJobID {
					want.Num = 360448
				}
				if d := cmp.Diff(want, c); d != "" {
					t.Errorf("CursorAt(%s, backward=%v) (-want +got):\n%s", s, backward, d)
				}
				token := c.Encode()
				if strings.ContainsAny(token, "+/=") {
					t.Errorf("token %q is not unpadded base64url", token)
				}
				got, err := DecodeCursor(token, s)
				if err != nil {
					t.Fatalf("DecodeCursor(%s): %v", s, err)
				}
				if d := cmp.Diff(c, got); d != "" {
					t.Errorf("round trip of %+v (-sent +got):\n%s", c, d)
				}
			}
		}
	}
}

func TestDecodeCursorRefuses(t *testing.T) {
	byName := Sort{Field: SortUserName}
	valid := CursorAt(byName, cursorEntry(), false).Encode()
	b64 := base64.RawURLEncoding.EncodeToString
	tests := []struct{ name, token string }{
		{"garbage", "!!not a cursor!!"},
		{"not base64url", "a+b/c"},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte(`{"s":"user_name","t":1,"i":1}`))},
		{"base64 of text", b64([]byte("hello"))},
		{"base64 of JSON array", b64([]byte(`[1,2]`))},
		{"base64 of JSON null", b64([]byte(`null`))},
		{"wrong field type", b64([]byte(`{"s":"user_name","t":"x","i":1}`))},
		{"other sort", CursorAt(Sort{Field: SortTask}, cursorEntry(), false).Encode()},
		{"other direction", CursorAt(Sort{Field: SortUserName, Desc: true}, cursorEntry(), false).Encode()},
		{"no sort", b64([]byte(`{"t":1,"i":1}`))},
		{"too long", strings.Repeat("A", 2049)},
		{"too long but otherwise valid", (&Cursor{Sort: "user_name", Text: strings.Repeat("a", 1600), TS: 1, ID: 1}).Encode()},
		{"valid with junk appended", valid + "!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeCursor(tt.token, byName)
			if !errors.Is(err, ErrInvalidCursor) {
				t.Errorf("DecodeCursor = %+v, %v; want ErrInvalidCursor", c, err)
			}
			if c != nil {
				t.Errorf("DecodeCursor returned a cursor with its error: %+v", c)
			}
		})
	}
	if _, err := DecodeCursor(valid, byName); err != nil {
		t.Errorf("the valid cursor itself is refused: %v", err)
	}
}

func TestScopeAllows(t *testing.T) {
	emea := Scope{Domains: []string{"Global/EMEA"}}
	two := Scope{Domains: []string{"Global/APAC", "Global/EMEA/Lab"}}
	tests := []struct {
		name   string
		scope  Scope
		domain string
		want   bool
	}{
		{"same domain", emea, "Global/EMEA", true},
		{"child", emea, "Global/EMEA/Lab", true},
		{"grandchild", emea, "Global/EMEA/Lab/Rack 1", true},
		{"sibling with common prefix", emea, "Global/EMEAX", false},
		{"sibling with common prefix and child", emea, "Global/EMEAX/Lab", false},
		{"parent", emea, "Global", false},
		{"other", emea, "Global/APAC", false},
		{"empty domain", emea, "", false},
		{"zero scope", Scope{}, "Global", false},
		{"zero scope child", Scope{}, "Global/EMEA", false},
		{"empty domain list", Scope{Domains: []string{}}, "Global", false},
		{"all", AllDomains, "Global/Anything/At/All", true},
		{"global sees all", Scope{Domains: []string{"Global"}}, "Global/EMEA/Lab", true},
		{"second of two", two, "Global/EMEA/Lab/x", true},
		{"first of two", two, "Global/APAC", true},
		{"parent of second", two, "Global/EMEA", false},
	}
	for _, tt := range tests {
		if got := tt.scope.Allows(tt.domain); got != tt.want {
			t.Errorf("%s: %+v.Allows(%q) = %v, want %v", tt.name, tt.scope, tt.domain, got, tt.want)
		}
	}
}

func TestPackTextRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 8192)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	config := strings.Repeat("set system ntp server 10.0.0.1\nset interfaces ge-0/0/0 unit 0\n", 200)
	tests := []struct {
		name       string
		text       string
		wantMarker byte
		smaller    bool
	}{
		{"empty", "", packPlain, false},
		{"short", "free text é", packPlain, false},
		{"just under threshold", strings.Repeat("a", packThreshold-1), packPlain, false},
		{"at threshold", strings.Repeat("a", packThreshold), packFlate, true},
		{"long configuration", config, packFlate, true},
		{"incompressible", string(random), packPlain, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := PackText(tt.text)
			if len(b) == 0 || b[0] != tt.wantMarker {
				t.Fatalf("marker = %v, want %d", b[:min(1, len(b))], tt.wantMarker)
			}
			if tt.smaller && len(b) >= len(tt.text) {
				t.Errorf("packed %d bytes into %d: not smaller", len(tt.text), len(b))
			}
			if tt.wantMarker == packPlain && len(b) != len(tt.text)+1 {
				t.Errorf("plain value is %d bytes, want %d", len(b), len(tt.text)+1)
			}
			got, err := UnpackText(b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.text {
				t.Errorf("round trip changed the text (len %d → %d)", len(tt.text), len(got))
			}
		})
	}
}

func TestUnpackTextRefuses(t *testing.T) {
	for _, v := range []string{"", "\x00"} {
		if got, err := UnpackText([]byte(v)); err != nil || got != "" {
			t.Errorf("UnpackText(%q) = %q, %v; want empty", v, got, err)
		}
	}
	if got, err := UnpackText(nil); err != nil || got != "" {
		t.Errorf("UnpackText(nil) = %q, %v; want empty", got, err)
	}
	for _, m := range []byte{2, 'x', 0xff} {
		if got, err := UnpackText([]byte{m, 'a', 'b'}); err == nil {
			t.Errorf("UnpackText with marker %d = %q, want an error", m, got)
		}
	}
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestSpeed)
	w.Write([]byte(strings.Repeat("abc", 1000)))
	w.Close()
	truncated := append([]byte{packFlate}, buf.Bytes()[:buf.Len()/2]...)
	if _, err := UnpackText(truncated); err == nil {
		t.Error("UnpackText of truncated flate data succeeded")
	}
	if _, err := UnpackText([]byte{packFlate, 0xff, 0xff, 0xff}); err == nil {
		t.Error("UnpackText of corrupt flate data succeeded")
	}
}
