package integrity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Witness is a C2SP tlog-witness the log asks to cosign its checkpoints.
type Witness struct {
	URL      string // the witness's prefix: add-checkpoint is below it
	Verifier note.Verifier
	VKey     string
}

// ParseWitness reads URL+VKEY, the form of --witness: the witness's URL,
// a plus sign, and its verifier key (name+hash+base64, a cosignature/v1
// or Ed25519 key).
func ParseWitness(spec string) (Witness, error) {
	url, vkey, ok := strings.Cut(spec, "+")
	if !ok || !(strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "https://")) {
		return Witness{}, fmt.Errorf("witness %q: must be URL+VKEY, such as https://witness.example/+witness.example/w+1234abcd+AQ…", spec)
	}
	v, err := fnote.NewVerifier(vkey)
	if err != nil {
		return Witness{}, fmt.Errorf("witness %q: verifier key: %w", spec, err)
	}
	return Witness{URL: strings.TrimSuffix(url, "/"), Verifier: v, VKey: vkey}, nil
}

// Refusals of a witness that say the log is not what it saw before.
var (
	// ErrRollback: the witness has cosigned a larger tree of this log.
	ErrRollback = errors.New("the witness has seen a larger tree of this log: it was rolled back")
	// ErrFork: the witness's tree is not a prefix of this one.
	ErrFork = errors.New("the witness refuses the consistency proof from the tree it saw: the log forked")
)

// ProveFunc returns the consistency proof of the tree from an older size.
type ProveFunc func(ctx context.Context, old int64) (tlog.TreeProof, error)

// Cosign asks w to cosign checkpoint (of tree), claiming the witness last
// saw the tree of size old, and returns the witness's cosignature line
// (to append to the checkpoint note) and the size the witness now knows.
// A witness that knows another size answers 409 with it; Cosign asks once
// more from that size. Rollback and fork come back as ErrRollback and
// ErrFork (wrapped, with the sizes).
func (w Witness) Cosign(ctx context.Context, hc *http.Client, checkpoint []byte, tree tlog.Tree, old int64, prove ProveFunc) (string, error) {
	if old > tree.N {
		// The witness cosigned a larger tree before: ask as a newcomer,
		// and let the witness say what it knows (409 with its size).
		old = 0
	}
	for try := 0; ; try++ {
		status, body, err := w.add(ctx, hc, checkpoint, tree, old, prove)
		if err != nil {
			return "", err
		}
		switch status {
		case http.StatusOK:
			return w.cosignature(checkpoint, body)
		case http.StatusConflict:
			known, perr := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
			switch {
			case perr != nil:
				return "", fmt.Errorf("witness %s: 409 without a size: %q", w.URL, body)
			case known > tree.N:
				return "", fmt.Errorf("witness %s knows size %d, this tree has %d: %w", w.URL, known, tree.N, ErrRollback)
			case try > 0:
				return "", fmt.Errorf("witness %s: still 409 (size %d) after asking from it", w.URL, known)
			}
			old = known
		case http.StatusUnprocessableEntity:
			return "", fmt.Errorf("witness %s, from size %d to %d: %w", w.URL, old, tree.N, ErrFork)
		default:
			return "", fmt.Errorf("witness %s answered %d: %s", w.URL, status, strings.TrimSpace(string(body)))
		}
	}
}

// add sends one add-checkpoint request.
func (w Witness) add(ctx context.Context, hc *http.Client, checkpoint []byte, tree tlog.Tree, old int64, prove ProveFunc) (int, []byte, error) {
	var req bytes.Buffer
	fmt.Fprintf(&req, "old %d\n", old)
	if old > 0 && old < tree.N {
		proof, err := prove(ctx, old)
		if err != nil {
			return 0, nil, fmt.Errorf("error proving the tree from size %d: %w", old, err)
		}
		for _, h := range proof {
			fmt.Fprintf(&req, "%s\n", h)
		}
	}
	req.WriteString("\n")
	req.Write(checkpoint)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL+"/add-checkpoint", &req)
	if err != nil {
		return 0, nil, err
	}
	resp, err := hc.Do(r)
	if err != nil {
		return 0, nil, fmt.Errorf("witness %s: %w", w.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, nil, fmt.Errorf("witness %s: %w", w.URL, err)
	}
	return resp.StatusCode, body, nil
}

// cosignature checks that the witness's answer holds its valid signature
// of checkpoint and returns that signature line.
func (w Witness) cosignature(checkpoint, body []byte) (string, error) {
	n, err := note.Open(append(append([]byte{}, checkpoint...), body...), note.VerifierList(w.Verifier))
	if err != nil {
		return "", fmt.Errorf("witness %s: its cosignature does not verify: %w", w.URL, err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		for _, s := range n.Sigs {
			if s.Name == w.Verifier.Name() && s.Hash == w.Verifier.KeyHash() && strings.HasSuffix(line, " "+s.Base64) {
				return line + "\n", nil
			}
		}
	}
	return "", fmt.Errorf("witness %s: no cosignature in its answer", w.URL)
}
