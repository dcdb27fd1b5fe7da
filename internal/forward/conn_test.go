//go:build linux

package forward

import (
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// peer accepts one connection on a loopback port and hands it to serve.
func peer(t *testing.T, serve func(net.Conn)) *conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err == nil {
			serve(c)
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := dial(context.Background(), store.Criterion{Host: "127.0.0.1", Port: port, Protocol: ProtocolTCP})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitState(t *testing.T, c *conn, want tcpState) {
	t.Helper()
	for range 500 {
		if st, _, err := tcpStatus(c.raw); err != nil {
			t.Fatal(err)
		} else if st == want {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("the connection never reached state %d", want)
}

var batch = [][]byte{[]byte("<110>1 - - logbook - audit - one"), []byte("<110>1 - - logbook - audit - two")}

// A receiver that closed the connection before the batch arrived never
// read it: its FIN comes first, the batch meets a closed socket and is
// answered with a reset. Reading alone saw the FIN and counted the batch
// as delivered; it was lost when rsyslog stopped just as a batch was sent.
func TestConfirmReceiverClosedBeforeTheBatch(t *testing.T) {
	c := peer(t, func(c net.Conn) { c.Close() })
	waitState(t, c, tcpPeerClosed)
	if err := c.send(batch); err != nil {
		t.Fatal(err)
	}
	delivered, open, err := c.confirm(context.Background(), 200*time.Millisecond)
	if delivered || open {
		t.Fatalf("delivered=%v open=%v (%v); want neither", delivered, open, err)
	}
	t.Log(err)
}

// A receiver that closes with the batch in its socket, unread, resets the
// connection: not delivered.
func TestConfirmReceiverClosedWithTheBatchUnread(t *testing.T) {
	arrived := make(chan struct{})
	c := peer(t, func(c net.Conn) {
		<-arrived
		time.Sleep(20 * time.Millisecond) // the batch is in the socket, acknowledged
		c.Close()
	})
	if err := c.send(batch); err != nil {
		t.Fatal(err)
	}
	close(arrived)
	delivered, open, err := c.confirm(context.Background(), time.Second)
	if delivered || open {
		t.Fatalf("delivered=%v open=%v (%v); want neither", delivered, open, err)
	}
}

// A receiver that read everything counts as delivered, whether it keeps
// the connection or closes it afterwards.
func TestConfirmReceiverReadTheBatch(t *testing.T) {
	size := 0
	for _, m := range batch {
		size += len(strconv.Itoa(len(m))) + 1 + len(m)
	}
	for _, closeAfter := range []bool{false, true} {
		c := peer(t, func(c net.Conn) {
			io.ReadFull(c, make([]byte, size))
			if closeAfter {
				c.Close()
			}
		})
		if err := c.send(batch); err != nil {
			t.Fatal(err)
		}
		delivered, open, err := c.confirm(context.Background(), 300*time.Millisecond)
		if !delivered || open == closeAfter {
			t.Fatalf("close=%v: delivered=%v open=%v (%v)", closeAfter, delivered, open, err)
		}
	}
}
