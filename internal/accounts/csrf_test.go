package accounts_test

import (
	"testing"

	"github.com/logbookhq/logbook/internal/accounts"
)

func TestCSRFToken(t *testing.T) {
	a, b := accounts.CSRFToken("session-a"), accounts.CSRFToken("session-b")
	if a == b || a != accounts.CSRFToken("session-a") {
		t.Fatalf("tokens of two sessions: %q, %q; want different and stable", a, b)
	}
	if a == "session-a" || len(a) != 43 {
		t.Errorf("token %q: want 32 bytes of base64url that are not the secret", a)
	}
	for _, tc := range []struct {
		secret, token string
		want          bool
	}{
		{"session-a", a, true},
		{"session-a", b, false},
		{"session-a", a[:42], false},
		{"session-a", "", false},
		{"", accounts.CSRFToken(""), false},
	} {
		if got := accounts.ValidCSRFToken(tc.secret, tc.token); got != tc.want {
			t.Errorf("ValidCSRFToken(%q, %q) = %v, want %v", tc.secret, tc.token, got, tc.want)
		}
	}
	if got := (accounts.Request{}).CSRFToken(); got != "" {
		t.Errorf("a request without a session has token %q", got)
	}
	if got := (accounts.Request{SessionID: "session-a"}).CSRFToken(); got != a {
		t.Errorf("a session's request has token %q, want %q", got, a)
	}
}
