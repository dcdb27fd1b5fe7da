package servertest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/server"
)

// Client is one browser or API client of an Env. It keeps cookies and
// never follows redirects, so that every answer can be checked as it is.
type Client struct {
	Base   string       // the server's URL
	HTTP   *http.Client // with a cookie jar
	Bearer string       // sent as "Authorization: Bearer" when not empty
}

// Response is an answer read whole (or, from Stream, up to its headers).
type Response struct {
	Status  int
	Header  http.Header
	Body    string
	Cookies []*http.Cookie // those the answer set
}

// Do sends one request. A body starting with { or [ is JSON, any other
// non-empty body a form; hdr are header name and value pairs, set last.
//
// Writes carry the CSRF token a page's form would: the session's, or on
// the sign-in form that of a login cookie (given to the client here, as
// GET /login would). hdr may override it.
func (c *Client) Do(t testing.TB, method, path, body string, hdr ...string) Response {
	t.Helper()
	req, err := http.NewRequest(method, c.Base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(body, "{"), strings.HasPrefix(body, "["):
		req.Header.Set("Content-Type", "application/json")
	case body != "":
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	if method != http.MethodGet && method != http.MethodHead {
		c.setCSRF(req, path)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Cookies: resp.Cookies()}
}

// setCSRF sets the CSRF header of a write from the cookie that guards it.
func (c *Client) setCSRF(req *http.Request, path string) {
	name := server.SessionCookie
	if p, _, _ := strings.Cut(path, "?"); p == "/login" {
		name = server.LoginCookie
		if !slices.ContainsFunc(c.HTTP.Jar.Cookies(req.URL), func(k *http.Cookie) bool { return k.Name == name }) {
			secret, _ := access.NewSessionID()
			c.HTTP.Jar.SetCookies(req.URL, []*http.Cookie{{Name: name, Value: secret, Path: "/login"}})
		}
	}
	for _, k := range c.HTTP.Jar.Cookies(req.URL) {
		if k.Name == name {
			req.Header.Set(accounts.CSRFHeader, accounts.CSRFToken(k.Value))
		}
	}
}

// Get sends a GET.
func (c *Client) Get(t testing.TB, path string) Response {
	t.Helper()
	return c.Do(t, http.MethodGet, path, "")
}

// Stream sends a request for a stream that does not end and reads only
// the status line and headers, abandoning the stream; a refusal, which
// does end, is read whole. hdr are header name and value pairs.
func (c *Client) Stream(t testing.TB, method, path string, hdr ...string) Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := Response{Status: resp.StatusCode, Header: resp.Header, Cookies: resp.Cookies()}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		r.Body = string(b)
	}
	return r
}

// TryLogin posts the login form, asking to go on to /account.
func (c *Client) TryLogin(t testing.TB, name, password string, hdr ...string) Response {
	t.Helper()
	form := url.Values{"name": {name}, "password": {password}, "next": {"/account"}}
	return c.Do(t, http.MethodPost, "/login", form.Encode(), hdr...)
}

// Cookie returns the client's cookie of that name for path, or nil.
func (c *Client) Cookie(name, path string) *http.Cookie {
	u, err := url.Parse(c.Base + path)
	if err != nil {
		return nil
	}
	for _, k := range c.HTTP.Jar.Cookies(u) {
		if k.Name == name {
			return k
		}
	}
	return nil
}

// SetCookie gives the client a cookie for the whole site.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.Base)
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// CSRFToken is the CSRF token of the client's session, as its pages show
// it; it fails t when the client has no session.
func (c *Client) CSRFToken(t testing.TB) string {
	t.Helper()
	ck := c.Cookie(server.SessionCookie, "/")
	if ck == nil {
		t.Fatal("the client has no session cookie")
	}
	return accounts.CSRFToken(ck.Value)
}

// Cookie returns the cookie of that name the answer set, or nil.
func (r Response) Cookie(name string) *http.Cookie {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// IsLoginRedirect reports whether r sends an anonymous viewer to sign in
// and come back to path.
func (r Response) IsLoginRedirect(path string) bool {
	return r.Status == http.StatusSeeOther && r.Header.Get("Location") == LoginRedirect(path)
}

// LoginRedirect is the Location that sends a viewer to sign in and come
// back to path.
func LoginRedirect(path string) string { return "/login?next=" + url.QueryEscape(path) }

// Decode reads a JSON answer into v, failing t when it is not JSON.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("answer is not JSON (%v):\n%s", err, r.Body)
	}
}

// Fields returns the fields an API refusal names, in its order.
func (r Response) Fields(t testing.TB) []string {
	t.Helper()
	var body struct {
		Fields []struct {
			Field string `json:"field"`
		} `json:"fields"`
	}
	r.Decode(t, &body)
	var out []string
	for _, f := range body.Fields {
		out = append(out, f.Field)
	}
	return out
}
