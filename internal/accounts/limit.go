package accounts

import (
	"errors"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrTooManyAttempts is answered when an address tries to sign in too often.
var ErrTooManyAttempts = errors.New("too many sign-in attempts from this address; wait a minute")

// Limiter bounds sign-in attempts per client address.
type Limiter struct {
	mu    sync.Mutex
	every rate.Limit
	burst int
	ips   map[string]*rate.Limiter
	seen  map[string]time.Time
}

// NewLimiter allows perMinute attempts per address, in bursts of burst.
func NewLimiter(perMinute, burst int) *Limiter {
	return &Limiter{every: rate.Limit(float64(perMinute) / 60), burst: burst, ips: map[string]*rate.Limiter{}, seen: map[string]time.Time{}}
}

// Allow reports whether ip may try to sign in now.
func (l *Limiter) Allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if len(l.ips) > 10000 {
		for k, t := range l.seen {
			if now.Sub(t) > 10*time.Minute {
				delete(l.ips, k)
				delete(l.seen, k)
			}
		}
	}
	lim, ok := l.ips[ip]
	if !ok {
		lim = rate.NewLimiter(l.every, l.burst)
		l.ips[ip] = lim
	}
	l.seen[ip] = now
	return lim.Allow()
}
