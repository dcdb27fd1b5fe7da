package integrity

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Key is the log's signing key: a signed-note Ed25519 key whose name is
// the log's origin, as witnesses and checkpoint readers expect.
type Key struct {
	Signer   note.Signer
	Verifier note.Verifier
	// VKey is the verifier key as text (name+hash+base64), the form
	// outside verifiers and witnesses are given.
	VKey string
}

// LoadOrCreateKey reads the signing key from path, or, when there is no
// file, makes one for origin and writes it there (0600, synced). A key
// file made for another origin is refused: the origin names the log.
func LoadOrCreateKey(path, origin string) (Key, error) {
	if err := CheckOrigin(origin); err != nil {
		return Key{}, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skey, _, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return Key{}, fmt.Errorf("error making the signing key: %w", err)
		}
		if err := writeKeyFile(path, skey); err != nil {
			return Key{}, err
		}
		b = []byte(skey)
	} else if err != nil {
		return Key{}, fmt.Errorf("error reading the signing key: %w", err)
	}
	return ParseKey(strings.TrimSpace(string(b)), origin)
}

// NewKey makes a signing key for origin that lives only in memory: for
// tests and throwaway servers, whose checkpoints no one can check later.
func NewKey(origin string) (Key, error) {
	if err := CheckOrigin(origin); err != nil {
		return Key{}, err
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return Key{}, fmt.Errorf("error making the signing key: %w", err)
	}
	return ParseKey(skey, origin)
}

// ParseKey reads a signer key (PRIVATE+KEY+name+hash+base64) for origin.
func ParseKey(skey, origin string) (Key, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return Key{}, fmt.Errorf("signing key: %w", err)
	}
	if s.Name() != origin {
		return Key{}, fmt.Errorf("signing key: it is the key of %q, not of this log's origin %q", s.Name(), origin)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return Key{}, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Key{}, fmt.Errorf("signing key: %w", err)
	}
	return Key{Signer: s, Verifier: v, VKey: vkey}, nil
}

// verifierKey derives the verifier key text from a signer key:
// PRIVATE+KEY+<name>+<hash>+<base64 of 0x01 ‖ Ed25519 seed> gives
// <name>+<hash>+<base64 of 0x01 ‖ public key>.
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("signing key: not a signed-note private key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("signing key: not an Ed25519 signed-note key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(parts[2], pub)
	if err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	return vkey, nil
}

func writeKeyFile(path, skey string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("error writing the signing key: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("error writing the signing key: %w", err)
	}
	_, err = f.WriteString(skey + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("error writing the signing key: %w", err)
	}
	return nil
}

// CheckOrigin refuses an origin that cannot name a log in a checkpoint:
// empty, with spaces or pluses (a note key name may hold neither), or
// with a line break.
func CheckOrigin(origin string) error {
	if origin == "" || len(origin) > 255 || strings.ContainsAny(origin, " +\n\r\t") {
		return fmt.Errorf("origin %q: must be 1 to 255 characters without spaces, plus signs or line breaks, such as logbook.example.com/audit", origin)
	}
	return nil
}

// SignCheckpoint returns the signed checkpoint of a tree: a C2SP
// tlog-checkpoint body signed as a signed note.
func SignCheckpoint(k Key, size int64, root tlog.Hash) ([]byte, error) {
	body := log.Checkpoint{Origin: k.Signer.Name(), Size: uint64(size), Hash: root[:]}.Marshal()
	return note.Sign(&note.Note{Text: string(body)}, k.Signer)
}

// OpenCheckpoint verifies a signed checkpoint against the log's verifier
// and returns the tree it names; other signatures (witnesses') are kept
// on the note.
func OpenCheckpoint(msg []byte, v note.Verifier, others ...note.Verifier) (tlog.Tree, *note.Note, error) {
	cp, _, n, err := log.ParseCheckpoint(msg, v.Name(), v, others...)
	if err != nil {
		return tlog.Tree{}, n, fmt.Errorf("checkpoint: %w", err)
	}
	if len(cp.Hash) != tlog.HashSize {
		return tlog.Tree{}, n, fmt.Errorf("checkpoint: root hash of %d bytes", len(cp.Hash))
	}
	t := tlog.Tree{N: int64(cp.Size)}
	copy(t.Hash[:], cp.Hash)
	return t, n, nil
}

// DefaultOrigin is the origin of a log whose operator named none: this
// machine's host name and "/logbook" (localhost/logbook when the name
// cannot be one).
func DefaultOrigin() string {
	host, err := os.Hostname()
	if o := strings.ToLower(host) + "/logbook"; err == nil && host != "" && CheckOrigin(o) == nil {
		return o
	}
	return "localhost/logbook"
}
