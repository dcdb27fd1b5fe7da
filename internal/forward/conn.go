package forward

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// The protocols a criterion may send over.
const (
	ProtocolUDP = "udp"
	ProtocolTCP = "tcp"
	ProtocolTLS = "tls"
)

// maxDatagram bounds a UDP message (the IPv4 payload limit); longer
// messages are cut, as RFC 5426 allows.
const maxDatagram = 65507

// conn is a connection to a syslog receiver.
type conn struct {
	proto string
	c     net.Conn // what messages are written to (a *tls.Conn for TLS)
	raw   net.Conn // the TCP connection under c; nil for UDP
}

// dialTimeout bounds connecting, including the TLS handshake.
const dialTimeout = 10 * time.Second

// tlsConfig builds the client configuration of a TLS criterion.
func tlsConfig(c store.Criterion) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLS.ServerName}
	if cfg.ServerName == "" {
		cfg.ServerName = c.Host
	}
	if c.TLS.CAPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(c.TLS.CAPEM)) {
			return nil, errors.New("tls.ca_pem holds no certificate")
		}
		cfg.RootCAs = pool
	}
	if c.TLS.ClientCertPEM != "" {
		cert, err := tls.X509KeyPair([]byte(c.TLS.ClientCertPEM), []byte(c.TLS.ClientKeyPEM))
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// dial connects to the receiver of c.
func dial(ctx context.Context, c store.Criterion) (*conn, error) {
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var d net.Dialer
	switch c.Protocol {
	case ProtocolUDP:
		nc, err := d.DialContext(ctx, "udp", addr)
		if err != nil {
			return nil, fmt.Errorf("error connecting to %s: %w", addr, err)
		}
		return &conn{proto: c.Protocol, c: nc}, nil
	case ProtocolTCP, ProtocolTLS:
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("error connecting to %s: %w", addr, err)
		}
		out := &conn{proto: c.Protocol, c: nc, raw: nc}
		if c.Protocol == ProtocolTLS {
			cfg, err := tlsConfig(c)
			if err != nil {
				nc.Close()
				return nil, err
			}
			tc := tls.Client(nc, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				nc.Close()
				return nil, fmt.Errorf("error in the TLS handshake with %s: %w", addr, err)
			}
			out.c = tc
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown protocol %q", c.Protocol)
}

func (c *conn) Close() error {
	if c == nil {
		return nil
	}
	return c.c.Close()
}

// errClosedByReceiver is a connection the receiver closed after reading
// everything sent on it.
var errClosedByReceiver = errors.New("the receiver closed the connection")

// check reports whether a stream connection is still open, without
// waiting: the receiver sends nothing on a syslog connection, so a read
// that does not time out at once means it closed or reset it. Data (a
// TLS session ticket is taken in by the TLS layer) is dropped.
func (c *conn) check() error {
	if c.raw == nil {
		return nil
	}
	if st, _, err := tcpStatus(c.raw); err == nil && st == tcpReset {
		return errors.New("the receiver reset the connection")
	} else if err == nil && st == tcpPeerClosed {
		return errClosedByReceiver
	}
	_, err := c.readUntil(time.Now().Add(time.Millisecond))
	return err
}

// readUntil reads from the connection until deadline: nil when it timed
// out with the connection open, errClosedByReceiver when the receiver
// closed it having read all that was sent, else why it broke.
func (c *conn) readUntil(deadline time.Time) (bool, error) {
	buf := make([]byte, 512)
	for {
		c.c.SetReadDeadline(deadline)
		_, err := c.c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.c.SetReadDeadline(time.Time{})
			return false, nil
		}
		return true, c.classifyClose(err)
	}
}

// classifyClose tells an orderly close (a FIN: the receiver's socket had
// no unread data when it was closed) from a reset (it had some, which the
// receiver's system dropped). Under TLS the close_notify alert comes
// first, so the TCP connection underneath is read for the FIN or reset.
func (c *conn) classifyClose(err error) error {
	if errors.Is(err, io.EOF) && c.proto == ProtocolTLS {
		c.raw.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err = c.raw.Read(make([]byte, 512))
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			err = io.EOF // closed for writing: an orderly close in progress
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		return errClosedByReceiver
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("the receiver reset the connection: %w", err)
	}
	return err
}

// send writes msgs in one write for a stream, framed by octet counting
// (RFC 6587 section 3.4.1, the framing RFC 5425 prescribes for TLS and
// that rsyslog's imtcp reads), or as one datagram each over UDP.
func (c *conn) send(msgs [][]byte) error {
	c.c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	defer c.c.SetWriteDeadline(time.Time{})
	if c.raw == nil {
		for _, m := range msgs {
			if len(m) > maxDatagram {
				m = m[:maxDatagram]
			}
			if _, err := c.c.Write(m); err != nil {
				return fmt.Errorf("error sending: %w", err)
			}
		}
		return nil
	}
	n := 0
	for _, m := range msgs {
		n += len(m) + 8
	}
	buf := make([]byte, 0, n)
	for _, m := range msgs {
		buf = strconv.AppendInt(buf, int64(len(m)), 10)
		buf = append(buf, ' ')
		buf = append(buf, m...)
	}
	if _, err := c.c.Write(buf); err != nil {
		return fmt.Errorf("error sending: %w", err)
	}
	return nil
}

// ackTimeout bounds the wait for the receiver's system to acknowledge
// what was written.
const ackTimeout = 15 * time.Second

// tcpState is how a stream connection stands, as the operating system
// sees it (see tcpStatus).
type tcpState int

const (
	tcpOpen       tcpState = iota
	tcpPeerClosed          // the receiver closed it in order (FIN)
	tcpReset               // the receiver reset it (RST)
)

// confirm decides whether what send wrote was delivered. Syslog has no
// acknowledgement of its own, so confirm uses TCP's. The receiver's system
// acknowledges bytes as they reach its socket, and its program reads them
// from there; a socket closed with bytes unread, or bytes that reach a
// socket already closed, are answered with a reset. So a batch is
// delivered when every byte was acknowledged and no reset followed within
// linger; an orderly close after the acknowledgement means the receiver
// had read everything. A close before the acknowledgement is not a
// delivery: the receiver closed first, and the bytes met a closed socket.
// open is false when the connection may not be used again.
func (c *conn) confirm(ctx context.Context, linger time.Duration) (delivered, open bool, err error) {
	if c.raw == nil {
		return true, true, nil
	}
	deadline := time.Now().Add(ackTimeout)
	var ackedAt time.Time
	for {
		st, unacked, serr := tcpStatus(c.raw)
		if serr != nil {
			return c.confirmByReading(ctx, linger)
		}
		now := time.Now()
		pause := 10 * time.Millisecond
		switch {
		case st == tcpReset:
			return false, false, errors.New("the receiver reset the connection before reading everything sent")
		case unacked > 0 && st == tcpPeerClosed:
			return false, false, fmt.Errorf("the receiver closed the connection with %d bytes not acknowledged", unacked)
		case unacked > 0 && now.After(deadline):
			return false, false, fmt.Errorf("the receiver did not acknowledge %d bytes within %s", unacked, ackTimeout)
		case unacked > 0:
			if ctx.Err() != nil {
				return false, false, ctx.Err()
			}
			pause = 2 * time.Millisecond
		case st == tcpPeerClosed:
			return true, false, errClosedByReceiver
		case ackedAt.IsZero():
			ackedAt = now
		case now.Sub(ackedAt) >= linger:
			return true, true, nil
		}
		time.Sleep(pause)
	}
}

// confirmByReading is confirm where the system does not tell how a
// connection stands (outside Linux): it reads the connection for linger. A
// reset means the receiver closed its socket with data unread, an orderly
// close that it had read everything — unless it closed before the bytes
// arrived, which reading cannot tell.
func (c *conn) confirmByReading(ctx context.Context, linger time.Duration) (delivered, open bool, err error) {
	if ctx.Err() != nil {
		return false, false, ctx.Err()
	}
	closed, err := c.readUntil(time.Now().Add(linger))
	if !closed {
		return true, true, nil
	}
	return errors.Is(err, errClosedByReceiver), false, err
}
