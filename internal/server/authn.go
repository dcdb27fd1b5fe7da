package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/web"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = web.SessionCookie

// clientIP is the address of the client: the connection's peer, or, when
// that peer is a trusted proxy, the last address in X-Forwarded-For that
// is not itself a trusted proxy.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	peer = peer.Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !isTrusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

// authenticate finds the caller of r: a session cookie, HTTP Basic or a
// bearer token. A bad credential is an error; no credential is anonymous.
func (s *Server) authenticate(r *http.Request, ip string) (accounts.Request, error) {
	req := accounts.Request{IP: ip}
	ctx := r.Context()
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Bearer "):
		sub, err := s.Auth.Token(ctx, strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
		if err != nil {
			return req, err
		}
		req.Subject = sub
	case strings.HasPrefix(h, "Basic "):
		name, pw, ok := r.BasicAuth()
		if !ok {
			return req, accounts.ErrBadCredentials
		}
		if !s.Auth.Attempts.Allow(ip) {
			return req, accounts.ErrTooManyAttempts
		}
		sub, err := s.Auth.Basic(ctx, name, pw, ip)
		if err != nil {
			return req, err
		}
		req.Subject = sub
	case h != "":
		return req, accounts.ErrBadCredentials
	default:
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" {
			return req, nil
		}
		sub, err := s.Auth.Session(ctx, c.Value, ip)
		if errors.Is(err, accounts.ErrSessionEnded) {
			return req, nil // the pages send the viewer to sign in again
		}
		if err != nil {
			return req, err
		}
		req.Subject, req.SessionID = sub, c.Value
	}
	req.Scope = s.Auth.Scope(req.Subject)
	return req, nil
}

// withAuth puts the caller's identity and scope into every request's
// context. A bad credential is refused here, before any handler runs.
func (s *Server) withAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r, s.opts.TrustedProxies)
		req, err := s.authenticate(r, ip)
		if err != nil {
			status := http.StatusUnauthorized
			msg := err.Error()
			switch {
			case errors.Is(err, accounts.ErrTooManyAttempts):
				status = http.StatusTooManyRequests
				w.Header().Set("Retry-After", "60")
			case errors.Is(err, accounts.ErrBadCredentials), errors.Is(err, accounts.ErrBadToken):
				w.Header().Set("WWW-Authenticate", `Basic realm="Logbook", charset="UTF-8"`)
			default:
				s.log.Error("authentication failed", "error", err)
				status, msg = http.StatusInternalServerError, "internal error; the server log has the details"
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, "{\"error\":%q}\n", msg)
			return
		}
		h.ServeHTTP(w, r.WithContext(accounts.WithRequest(r.Context(), req)))
	})
}
