package forward

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// tcpStatus reads, from the operating system, how a TCP connection
// stands: whether the peer closed it (FIN) or reset it (RST), and how many
// bytes written to it the peer has not yet acknowledged (SIOCOUTQ). The
// state is read first: a peer acknowledges nothing after its FIN, so
// unacked read after a FIN is what the FIN left unacknowledged.
func tcpStatus(c net.Conn) (st tcpState, unacked int, err error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, 0, syscall.ENOTSUP
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			serr = err
			return
		}
		switch info.State {
		case unix.BPF_TCP_CLOSE:
			st = tcpReset // only a reset closes a socket this side has not closed
		case unix.BPF_TCP_CLOSE_WAIT:
			st = tcpPeerClosed
		default:
			st = tcpOpen
		}
		unacked, serr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ)
	})
	if err != nil {
		return 0, 0, err
	}
	return st, unacked, serr
}
