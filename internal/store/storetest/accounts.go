package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/store"
)

// accountsBase has nanoseconds and a zone other than UTC, so that every
// time written from it checks that the store gives back UTC truncated to
// microseconds.
var accountsBase = time.Date(2026, 11, 25, 11, 30, 0, 123456789, time.FixedZone("CET", 3600))

// testAccounts checks users, domains, tokens and sessions. The subtests
// share one store and use names of their own; each may also run alone.
func testAccounts(t *testing.T, st store.Store) {
	t.Run("Users", func(t *testing.T) { testUsers(t, st) })
	t.Run("UpdateUser", func(t *testing.T) { testUpdateUser(t, st) })
	t.Run("Domains", func(t *testing.T) { testDomains(t, st) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, st) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, st) })
	t.Run("Within", func(t *testing.T) { testWithin(t, st) })
}

// stored returns t as a store gives it back: UTC, whole microseconds.
func stored(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// storedTime compares times as a store must give them back: the same
// instant, in UTC.
var storedTime = cmp.Comparer(func(a, b time.Time) bool {
	return a.Equal(b) && a.Location() == time.UTC && b.Location() == time.UTC
})

// diff describes how got differs from want, or is "" when it does not:
// times must be the same instant and in UTC (storedTime), and slices
// equal, nil only where want's are. It reads " (-want +got):" and
// cmp.Diff's lines, to follow a sentence that ends in a colon.
func diff(got, want any) string {
	if d := cmp.Diff(want, got, storedTime); d != "" {
		return " (-want +got):\n" + d
	}
	return ""
}
