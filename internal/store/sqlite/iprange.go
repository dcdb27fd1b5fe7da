package sqlite

import (
	"database/sql/driver"
	"net/netip"

	msqlite "modernc.org/sqlite"
)

// ipKeyFunc is the SQL function the index of migration 14 is on: an
// entry's address as bytes that sort as the addresses do, 6 and the 16
// bytes of an IPv6 address, 4 and the 4 bytes of an IPv4 one, so that an
// IPv6 network is one range of the index and holds no IPv4 address. NULL
// for an entry without an address.
const ipKeyFunc = "logbook_ip_key"

func init() {
	msqlite.MustRegisterDeterministicScalarFunction(ipKeyFunc, 1, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		s, _ := args[0].(string)
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, nil
		}
		return ipKey(a), nil
	})
}

func ipKey(a netip.Addr) []byte {
	if a.Is4() {
		k := a.As4()
		return append([]byte{4}, k[:]...)
	}
	k := a.As16()
	return append([]byte{6}, k[:]...)
}

// ipRange is the condition that an entry's address lies in the network
// whose first and last addresses are lo and hi (placeholders).
func ipRange(lo, hi string) string {
	return ipKeyFunc + "(user_ip) >= " + lo + " AND " + ipKeyFunc + "(user_ip) <= " + hi
}
