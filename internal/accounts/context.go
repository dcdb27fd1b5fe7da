package accounts

import (
	"context"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/store"
)

// Request is what the server learned about the caller of one request.
type Request struct {
	// Subject is the signed-in user or the API token; zero when anonymous.
	Subject access.Subject
	// Scope is what Subject may read.
	Scope store.Scope
	// IP is the client's address (X-Forwarded-For only from trusted proxies).
	IP string
	// SessionID is the id of the browser session, if any.
	SessionID string
}

// Authenticated reports whether the request carries a subject.
func (r Request) Authenticated() bool { return r.Subject.Kind != "" }

// Actor is the request's caller as the audit log names it.
func (r Request) Actor() Actor { return Actor{Name: r.Subject.Name, IP: r.IP, Subject: r.Subject} }

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// FromContext returns the request facts ctx carries; the zero Request
// (anonymous, sees nothing) when there are none.
func FromContext(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}
