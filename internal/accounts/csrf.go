package accounts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// Where a browser's write carries its anti-forgery token: the header for
// scripts and API calls, the form field for the pages' forms.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// csrfLabel separates CSRF tokens from any other use of the same secret.
const csrfLabel = "logbook csrf token v1"

// CSRFToken returns the anti-forgery token of a browser secret: the
// session id, or, on the sign-in form, the value of the login cookie. It
// is the HMAC-SHA256 of a fixed label keyed with the secret, so that only
// a holder of the HttpOnly cookie can know it, while the token, which
// pages show, gives the cookie away to nobody. Being derived rather than
// stored, it needs no server secret shared between replicas and no column
// in the session table; it changes with every new session.
func CSRFToken(secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(csrfLabel))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// ValidCSRFToken reports, in constant time, whether token is the CSRF
// token of secret. An empty secret or token is never valid.
func ValidCSRFToken(secret, token string) bool {
	if secret == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(CSRFToken(secret)), []byte(token))
}

// CSRFToken is the token the request's pages put in their forms: that of
// its session, or "" when it is not authenticated by the session cookie
// (API tokens and HTTP Basic need none).
func (r Request) CSRFToken() string {
	if r.SessionID == "" {
		return ""
	}
	return CSRFToken(r.SessionID)
}
