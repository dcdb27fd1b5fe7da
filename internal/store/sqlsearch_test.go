package store

import (
	"net/netip"
	"testing"

	"github.com/logbookhq/logbook/internal/search"
)

// TestNetworkPrefixesCount checks that the search language counts the
// text prefixes of an IPv4 network, which its limit bounds, as the store
// makes them, at every length.
func TestNetworkPrefixesCount(t *testing.T) {
	for bits := 0; bits <= 32; bits++ {
		p := netip.PrefixFrom(netip.MustParseAddr("10.200.30.4"), bits).Masked()
		if got, want := search.NetworkPrefixes(p), len(cidrPrefixes(p)); got != want {
			t.Errorf("%s: search.NetworkPrefixes = %d, the store makes %d", p, got, want)
		}
	}
}
