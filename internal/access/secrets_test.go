package access

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

func TestCheckPasswordRules(t *testing.T) {
	tests := []struct {
		name    string
		pw      string
		errWord string // "" means accepted
	}{
		{"empty", "", "at least 12"},
		{"11 bytes", strings.Repeat("a", 11), "at least 12"},
		{"12 bytes", strings.Repeat("a", 12), ""},
		{"64 bytes", strings.Repeat("b", 64), ""},
		{"1024 bytes", strings.Repeat("c", 1024), ""},
		{"1025 bytes", strings.Repeat("c", 1025), "at most 1024"},
		{"multibyte counted in bytes", "äöüäöü", ""}, // 6 characters, 12 bytes
		{"multibyte 10 bytes", "äöüäö", "at least 12"},
		{"invalid UTF-8", "correct horse\xff", "UTF-8"},
		{"only spaces", strings.Repeat(" ", 12), "whitespace"},
		{"only mixed whitespace", " \t\n\r \u00a0\u2003    ", "whitespace"},
		{"spaces inside", "correct horse battery", ""},
		{"padded", "  a password  ", ""},
	}
	for _, tt := range tests {
		err := CheckPasswordRules(tt.pw)
		switch {
		case tt.errWord == "" && err != nil:
			t.Errorf("%s: CheckPasswordRules = %v, want nil", tt.name, err)
		case tt.errWord != "" && err == nil:
			t.Errorf("%s: CheckPasswordRules = nil, want an error about %q", tt.name, tt.errWord)
		case tt.errWord != "" && !strings.Contains(err.Error(), tt.errWord):
			t.Errorf("%s: CheckPasswordRules = %q, want it to mention %q", tt.name, err, tt.errWord)
		}
	}
}

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)

// TestHashPassword hashes the same password twice and checks both hashes
// against right, wrong and tampered inputs; it keeps the number of argon2
// runs small so that the test stays quick.
func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	h1, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := phcPattern.FindStringSubmatch(h1), phcPattern.FindStringSubmatch(h2)
	if m1 == nil || m2 == nil {
		t.Fatalf("hashes are not PHC strings with the OWASP parameters:\n%s\n%s", h1, h2)
	}
	if m1[1] == m2[1] || h1 == h2 {
		t.Errorf("two hashes of the same password share a salt:\n%s\n%s", h1, h2)
	}

	tests := []struct {
		name    string
		encoded string
		pw      string
		want    bool
	}{
		{"right password", h1, pw, true},
		{"right password, second salt", h2, pw, true},
		{"wrong password", h1, "correct horse battery stapler", false},
		{"empty password", h1, "", false},
		{"tampered hash", h1[:len(h1)-2] + flip(h1[len(h1)-2]) + h1[len(h1)-1:], pw, false},
		{"salt of the other hash", strings.Replace(h1, m1[1], m2[1], 1), pw, false},
		{"fewer passes", strings.Replace(h1, "t=2", "t=1", 1), pw, false},
	}
	for _, tt := range tests {
		if got := CheckPassword(tt.encoded, tt.pw); got != tt.want {
			t.Errorf("%s: CheckPassword = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// flip returns a different base64 character, so that a decoded key changes.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// TestCheckPasswordReferenceVectors checks hashes made by the argon2
// reference implementation (phc-winner-argon2's test suite), with other
// parameters than HashPassword uses, as a later release or another tool
// might store them.
func TestCheckPasswordReferenceVectors(t *testing.T) {
	tests := []struct {
		encoded string
		pw      string
		want    bool
	}{
		{"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password", true},
		{"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "differentpassword", false},
		{"$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password", false},
	}
	for _, tt := range tests {
		if got := CheckPassword(tt.encoded, tt.pw); got != tt.want {
			t.Errorf("CheckPassword(%q, %q) = %v, want %v", tt.encoded, tt.pw, got, tt.want)
		}
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, err := HashPassword("a good password")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(alg, ver, params, salt, key string) string {
		return "$" + alg + "$" + ver + "$" + params + "$" + salt + "$" + key
	}
	bad := []string{
		"",
		"$",
		"plain text",
		"a good password",
		good + "$",
		"$" + good,
		strings.TrimPrefix(good, "$"),
		with("argon2i", "v=19", "m=19456,t=2,p=1", salt, key),
		with("argon2d", "v=19", "m=19456,t=2,p=1", salt, key),
		with("argon2id", "v=16", "m=19456,t=2,p=1", salt, key),
		with("argon2id", "", "m=19456,t=2,p=1", salt, key),
		with("argon2id", "v=19", "t=2,m=19456,p=1", salt, key),
		with("argon2id", "v=19", "m=19456,t=2", salt, key),
		with("argon2id", "v=19", "m=19456,t=2,p=1,k=1", salt, key),
		with("argon2id", "v=19", "m=19456,t=0,p=1", salt, key),
		with("argon2id", "v=19", "m=19456,t=2,p=0", salt, key),
		with("argon2id", "v=19", "m=19456,t=-2,p=1", salt, key),
		with("argon2id", "v=19", "m=019456,t=2,p=1", salt, key),
		with("argon2id", "v=19", "m=,t=2,p=1", salt, key),
		with("argon2id", "v=19", "m=x,t=2,p=1", salt, key),
		with("argon2id", "v=19", "m=99999999999,t=2,p=1", salt, key),
		with("argon2id", "v=19", "m=4194304,t=2,p=1", salt, key), // 4 GiB
		with("argon2id", "v=19", "m=19456,t=1000,p=1", salt, key),
		with("argon2id", "v=19", "m=19456,t=2,p=255", salt, key),
		with("argon2id", "v=19", "m=19456,t=2,p=1", "", key),
		with("argon2id", "v=19", "m=19456,t=2,p=1", salt, ""),
		with("argon2id", "v=19", "m=19456,t=2,p=1", salt+"==", key),
		with("argon2id", "v=19", "m=19456,t=2,p=1", salt, key+"="),
		with("argon2id", "v=19", "m=19456,t=2,p=1", salt, "!!!!"),
		with("argon2id", "v=19", "m=19456,t=2,p=1", "c2FsdA", key), // 4-byte salt
		with("argon2id", "v=19", "m=19456,t=2,p=1", salt, key[:8]), // 6-byte key
		with("argon2id", "v=19", "m=19456,t=2,p=1", salt, strings.Repeat("A", 100)),
		strings.ReplaceAll(good, "+", "-"), // base64url is not the PHC alphabet
	}
	for _, enc := range bad {
		if enc == good {
			continue // the replacement found nothing to change
		}
		if CheckPassword(enc, "a good password") {
			t.Errorf("CheckPassword(%q) = true, want false", enc)
		}
	}
}

func TestDummyHash(t *testing.T) {
	if !phcPattern.MatchString(DummyHash) {
		t.Fatalf("DummyHash %q is not a PHC string with today's parameters", DummyHash)
	}
	if _, ok := parsePHC(DummyHash); !ok {
		t.Errorf("DummyHash does not parse")
	}
	if CheckPassword(DummyHash, "") {
		t.Errorf("DummyHash matches the empty password")
	}
}

var tokenPattern = regexp.MustCompile(`^lbk_[A-Za-z0-9_-]{43}$`)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		secret, hash := NewToken()
		if !tokenPattern.MatchString(secret) {
			t.Fatalf("NewToken secret %q is not lbk_ and 43 base64url characters", secret)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, "lbk_"))
		if err != nil || len(raw) != 32 {
			t.Fatalf("NewToken secret %q does not hold 32 bytes: %v", secret, err)
		}
		if hash != HashToken(secret) {
			t.Fatalf("NewToken hash %q is not HashToken of the secret", hash)
		}
		if seen[secret] {
			t.Fatalf("NewToken repeated the secret %q", secret)
		}
		seen[secret] = true
	}
}

func TestNewSessionID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, hash := NewSessionID()
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != 32 {
			t.Fatalf("session id %q is not 32 bytes of base64url: %v", id, err)
		}
		if hash != HashToken(id) {
			t.Fatalf("session hash %q is not HashToken of the id", hash)
		}
		if seen[id] {
			t.Fatalf("NewSessionID repeated %q", id)
		}
		seen[id] = true
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		got := HashToken(tt.in)
		if got != tt.want {
			t.Errorf("HashToken(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if _, err := hex.DecodeString(got); err != nil || strings.ToLower(got) != got {
			t.Errorf("HashToken(%q) = %s is not lower-case hex", tt.in, got)
		}
	}
}

func TestRandomPassword(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 200 {
		pw := RandomPassword()
		if len(pw) != 20 {
			t.Fatalf("RandomPassword %q has %d characters, want 20", pw, len(pw))
		}
		if err := CheckPasswordRules(pw); err != nil {
			t.Fatalf("RandomPassword %q breaks the rules: %v", pw, err)
		}
		if strings.ContainsAny(pw, "0Oo1lI") {
			t.Fatalf("RandomPassword %q holds an ambiguous character", pw)
		}
		for _, r := range pw {
			if !strings.ContainsRune(passwordAlphabet, r) {
				t.Fatalf("RandomPassword %q holds %q, outside the alphabet", pw, r)
			}
			counts[r]++
		}
		if seen[pw] {
			t.Fatalf("RandomPassword repeated %q", pw)
		}
		seen[pw] = true
	}
	// 4,000 draws from 56 characters: every character should appear (the
	// chance that one never does is below 1e-29).
	if len(counts) != len(passwordAlphabet) {
		t.Errorf("RandomPassword used %d of %d characters", len(counts), len(passwordAlphabet))
	}
}
