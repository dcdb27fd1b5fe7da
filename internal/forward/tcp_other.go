//go:build !linux

package forward

import (
	"net"
	"syscall"
)

// tcpStatus is unknown outside Linux; confirm then relies on watching the
// connection alone.
func tcpStatus(net.Conn) (tcpState, int, error) { return 0, 0, syscall.ENOTSUP }
