package forward

import (
	"net"
	"syscall"
	"unsafe"
)

// unsentBytes is how many bytes written to c its peer has not yet
// acknowledged (SIOCOUTQ).
func unsentBytes(c net.Conn) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, syscall.ENOTSUP
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int32
	var serr error
	err = rc.Control(func(fd uintptr) {
		_, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
		if e != 0 {
			serr = e
		}
	})
	if err != nil {
		return 0, err
	}
	return int(n), serr
}
