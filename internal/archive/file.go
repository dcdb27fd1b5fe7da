package archive

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/auditcsv"
	"github.com/logbookhq/logbook/internal/store"
)

// written is an archive file made durable.
type written struct {
	name, sha256 string
	count        int64
	lastID       int64
}

// writeArchive writes every entry spec selects to a new archive file and
// makes it durable before it returns: locally, written to a temporary
// name, fsynced, renamed and the directory fsynced; remotely, uploaded to
// a temporary name, its size checked, then renamed. On any error (or a
// cancel) the partial file is removed.
func (s *Service) writeArchive(ctx context.Context, spec store.PurgeSpec, p Params, total int64, progress func(int64)) (written, error) {
	var w written
	dir := s.opts.Dir
	if p.Remote != nil {
		dir = os.TempDir()
	}
	if dir == "" {
		return w, errors.New("no archive directory is configured (--archive-dir)")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return w, fmt.Errorf("error creating archive directory: %w", err)
	}
	w.name = FileName(s.opts.Now(), p.Format)
	f, err := os.CreateTemp(dir, "."+w.name+".*.part")
	if err != nil {
		return w, fmt.Errorf("error creating archive file: %w", err)
	}
	tmp := f.Name()
	keep := false
	defer func() {
		if !keep {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	buf := bufio.NewWriterSize(io.MultiWriter(f, h), 256<<10)
	gz := gzip.NewWriter(buf)
	enc := newEncoder(gz, p.Format)
	if err := enc.begin(); err != nil {
		return w, err
	}
	if err := s.writeEntries(ctx, spec, p, enc, gz, &w, progress); err != nil {
		return w, err
	}
	if err := enc.end(); err != nil {
		return w, err
	}
	if err := gz.Close(); err != nil {
		return w, err
	}
	if err := buf.Flush(); err != nil {
		return w, err
	}
	if err := f.Sync(); err != nil {
		return w, fmt.Errorf("error syncing archive file: %w", err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return w, err
	}
	if err := f.Close(); err != nil {
		return w, err
	}
	w.sha256 = hex.EncodeToString(h.Sum(nil))
	progress(w.count)
	if p.Remote != nil {
		if err := upload(ctx, *p.Remote, tmp, w.name, size); err != nil {
			return w, err
		}
		return w, nil // the local copy is removed by the deferred cleanup
	}
	if err := os.Rename(tmp, filepath.Join(dir, w.name)); err != nil {
		return w, fmt.Errorf("error renaming archive file: %w", err)
	}
	keep = true
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return w, fmt.Errorf("error syncing archive directory: %w", err)
		}
	}
	return w, nil
}

// writeEntries encodes every entry spec selects into enc and, for an
// NDJSON archive, the log proof line after them into gz.
func (s *Service) writeEntries(ctx context.Context, spec store.PurgeSpec, p Params, enc encoder, gz io.Writer, w *written, progress func(int64)) error {
	leaves := &leafCursor{st: s.st, domains: map[string]int64{}}
	ndjson := p.Format == FormatNDJSON
	err := s.st.ScanPurge(ctx, spec, func(e *audit.Entry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var cs []audit.ConfigChange
		if e.HasConfigChange && len(e.ConfigDigest) > 0 {
			var err error
			if cs, err = s.st.ConfigChanges(ctx, store.AllDomains, e.ID); err != nil {
				return fmt.Errorf("entry %d: %w", e.ID, err)
			}
		}
		var leaf *LeafRef
		if ndjson {
			idx, domainID, ok, err := leaves.leafOf(ctx, e.ID, e.Domain)
			if err != nil {
				return fmt.Errorf("entry %d: its leaf: %w", e.ID, err)
			}
			if ok {
				leaf = &LeafRef{Index: idx, DomainID: domainID}
			}
		}
		if err := enc.encode(e, cs, leaf); err != nil {
			return err
		}
		w.count++
		w.lastID = e.ID
		if w.count%1000 == 0 {
			progress(w.count)
		}
		return nil
	})
	if err != nil || !ndjson {
		return err
	}
	proof, err := leaves.proof(ctx, s.opts.ProofWait)
	if err != nil {
		return fmt.Errorf("error proving the archived entries in the log: %w", err)
	}
	if proof == nil {
		if len(leaves.runs) > 0 {
			s.opts.Log.Warn("no signed checkpoint covers the archived entries yet: the archive carries no log proof and verifies only against its purge anchor", "archive", w.name)
		}
		return nil
	}
	b, err := json.Marshal(struct {
		P *LogProof `json:"log_proof"`
	}{proof})
	if err != nil {
		return err
	}
	_, err = gz.Write(append(b, '\n'))
	return err
}

type encoder interface {
	begin() error
	encode(e *audit.Entry, cs []audit.ConfigChange, leaf *LeafRef) error
	end() error
}

func newEncoder(w io.Writer, format string) encoder {
	if format == FormatNDJSON {
		return &ndjsonEncoder{w: w}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvEncoder{cw: cw}
}

// csvEncoder writes the columns of the CSV export (internal/auditcsv).
// CSV is for people; it does not hold every field, so only NDJSON
// archives can be verified against their anchor.
type csvEncoder struct {
	cw  *csv.Writer
	row []string
}

func (c *csvEncoder) begin() error { return c.cw.Write(auditcsv.Header(nil)) }
func (c *csvEncoder) encode(e *audit.Entry, _ []audit.ConfigChange, _ *LeafRef) error {
	c.row = auditcsv.Row(c.row, e, nil)
	return c.cw.Write(c.row)
}
func (c *csvEncoder) end() error { c.cw.Flush(); return c.cw.Error() }

// ndjsonEncoder writes one Record per line: the entry's API JSON with its
// configuration changes and their digest, everything the hash covers.
type ndjsonEncoder struct{ w io.Writer }

func (n *ndjsonEncoder) begin() error { return nil }
func (n *ndjsonEncoder) end() error   { return nil }
func (n *ndjsonEncoder) encode(e *audit.Entry, cs []audit.ConfigChange, leaf *LeafRef) error {
	b, err := MarshalRecord(e, cs, leaf)
	if err != nil {
		return err
	}
	_, err = n.w.Write(append(b, '\n'))
	return err
}

// Record is one line of an NDJSON archive.
type Record struct {
	audit.Entry
	ConfigDigest  string               `json:"config_digest,omitempty"`
	ConfigChanges []audit.ConfigChange `json:"config_changes,omitempty"`
	// Salt (hex) is what the entry's leaf in the verifiable log commits
	// with: with it, the archive shows that the entry is the one the log
	// committed to.
	Salt string `json:"salt,omitempty"`
	// LeafIndex and DomainID locate the entry's leaf (nil for an entry
	// without one).
	LeafIndex *int64 `json:"leaf_index,omitempty"`
	DomainID  int64  `json:"domain_id,omitempty"`
	// LogProof is set on the archive's last line only, which holds no
	// entry.
	LogProof *LogProof `json:"log_proof,omitempty"`
}

// LeafRef is where an archived entry's leaf is.
type LeafRef struct{ Index, DomainID int64 }

// MarshalRecord encodes an entry as an archive line, with its leaf when
// leaf is set.
func MarshalRecord(e *audit.Entry, cs []audit.ConfigChange, leaf *LeafRef) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if len(e.ConfigDigest) == 0 && len(cs) == 0 && len(e.Salt) == 0 && leaf == nil {
		return b, nil
	}
	x := struct {
		ConfigDigest  string               `json:"config_digest,omitempty"`
		ConfigChanges []audit.ConfigChange `json:"config_changes,omitempty"`
		Salt          string               `json:"salt,omitempty"`
		LeafIndex     *int64               `json:"leaf_index,omitempty"`
		DomainID      int64                `json:"domain_id,omitempty"`
	}{ConfigDigest: hex.EncodeToString(e.ConfigDigest), ConfigChanges: cs, Salt: hex.EncodeToString(e.Salt)}
	if leaf != nil {
		x.LeafIndex, x.DomainID = &leaf.Index, leaf.DomainID
	}
	extra, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte("}"))
	return append(append(b, ','), extra[1:]...), nil
}

// Entry returns the entry a record holds, with its digest, ready to hash.
func (r *Record) entry() (audit.Entry, error) {
	e := r.Entry
	e.ConfigChanges = r.ConfigChanges
	if r.Salt != "" {
		salt, err := hex.DecodeString(r.Salt)
		if err != nil {
			return e, fmt.Errorf("entry %d: salt is not hex", e.ID)
		}
		e.Salt = salt
	}
	if r.ConfigDigest != "" {
		d, err := hex.DecodeString(r.ConfigDigest)
		if err != nil {
			return e, fmt.Errorf("entry %d: config_digest is not hex", e.ID)
		}
		e.ConfigDigest = d
		if len(r.ConfigChanges) > 0 && !bytes.Equal(audit.ConfigDigest(r.ConfigChanges), d) {
			return e, fmt.Errorf("entry %d: the configuration changes do not match their digest (altered)", e.ID)
		}
	}
	return e, nil
}

// ReadRecords calls fn for every entry record of an NDJSON archive
// (gzipped), passing over its log proof line.
func ReadRecords(r io.Reader, fn func(*Record) error) error {
	return readArchive(r, fn, func(*LogProof) error { return nil })
}

// readArchive calls fn for every entry record and proof for the log
// proof line of an NDJSON archive.
func readArchive(r io.Reader, fn func(*Record) error, proof func(*LogProof) error) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzip file: %w", err)
	}
	dec := json.NewDecoder(gz)
	for {
		var rec Record
		err := dec.Decode(&rec)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not an NDJSON archive: %w", err)
		}
		if rec.LogProof != nil {
			if err := proof(rec.LogProof); err != nil {
				return err
			}
			continue
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
}
