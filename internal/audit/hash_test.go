package audit

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// fullEntry returns an entry with every field set to a non-zero value.
func fullEntry() Entry {
	return Entry{
		ID:          589827,
		Timestamp:   time.Date(2026, 11, 25, 22, 31, 34, 123456000, time.UTC),
		RecordedAt:  time.Date(2026, 11, 25, 22, 31, 34, 130002000, time.UTC),
		UserName:    "super",
		UserIP:      "172.16.100.2",
		Domain:      "Global/EMEA",
		Application: "Network Management Platform",
		Workspace:   "Devices",
		Task:        "Apply CLI Configlet",
		Result:      ResultJobScheduled,
		JobID:       360448,
		Description: "Apply CLI Configlet operation initiated for the configlet ntp-servers on the device mx960-1.",
		AffectedObjects: []Object{
			{Type: "Device", ID: "131090", Name: "mx960-1"},
			{Type: "Configlet", ID: "7", Name: "ntp-servers"},
		},
		AffectedObjectDetail: `{"lines":3}`,
		HasConfigChange:      true,
		Source:               "nmp-prod",
		EventID:              "evt-589827",
	}
}

func hashOf(e Entry) string {
	h, _ := ChainHash(GenesisHash, &e, nil)
	return hex.EncodeToString(h)
}

func TestChainHashDeterministic(t *testing.T) {
	e := fullEntry()
	a, buf := ChainHash(GenesisHash, &e, nil)
	b, _ := ChainHash(GenesisHash, &e, buf) // reused scratch space
	c, _ := ChainHash(GenesisHash, &e, make([]byte, 3, 10))
	if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
		t.Fatalf("ChainHash differs between calls: %x %x %x", a, b, c)
	}
	if len(a) != HashSize {
		t.Errorf("hash is %d bytes, want %d", len(a), HashSize)
	}
	// The time zone a timestamp is expressed in is not content.
	local := e
	local.Timestamp = e.Timestamp.In(time.FixedZone("CET", 3600))
	if hashOf(local) != hashOf(e) {
		t.Error("the same instant in another zone hashes differently")
	}
	// Hash and PrevHash are outputs, not inputs, of the canonical form.
	sealed := e
	sealed.Hash, sealed.PrevHash = "ff", "ee"
	if hashOf(sealed) != hashOf(e) {
		t.Error("Hash or PrevHash changed the canonical encoding")
	}
}

func TestChainHashCoversEveryField(t *testing.T) {
	mutations := map[string]func(e *Entry){
		"ID":                   func(e *Entry) { e.ID++ },
		"Timestamp":            func(e *Entry) { e.Timestamp = e.Timestamp.Add(time.Microsecond) },
		"RecordedAt":           func(e *Entry) { e.RecordedAt = e.RecordedAt.Add(time.Microsecond) },
		"UserName":             func(e *Entry) { e.UserName += "x" },
		"UserIP":               func(e *Entry) { e.UserIP = "172.16.100.3" },
		"Domain":               func(e *Entry) { e.Domain = "Global" },
		"Application":          func(e *Entry) { e.Application = "REST" },
		"Workspace":            func(e *Entry) { e.Workspace = "" },
		"Task":                 func(e *Entry) { e.Task = "Validate CLI Configlet" },
		"Result":               func(e *Entry) { e.Result = ResultSuccess },
		"JobID":                func(e *Entry) { e.JobID = 0 },
		"Description":          func(e *Entry) { e.Description += " " },
		"AffectedObjects":      func(e *Entry) { e.AffectedObjects = e.AffectedObjects[:1] },
		"AffectedObjectDetail": func(e *Entry) { e.AffectedObjectDetail = `{"lines":4}` },
		"HasConfigChange":      func(e *Entry) { e.HasConfigChange = false },
		"Source":               func(e *Entry) { e.Source = "api" },
		"EventID":              func(e *Entry) { e.EventID = "" },
		"ConfigDigest": func(e *Entry) {
			e.ConfigDigest = ConfigDigest([]ConfigChange{{Device: "d", Format: "text", After: "x"}})
		},
	}
	objectMutations := map[string]func(e *Entry){
		"AffectedObjects[0].Type": func(e *Entry) { e.AffectedObjects[0].Type = "Devices" },
		"AffectedObjects[0].ID":   func(e *Entry) { e.AffectedObjects[0].ID = "131091" },
		"AffectedObjects[0].Name": func(e *Entry) { e.AffectedObjects[0].Name = "mx960-2" },
		"AffectedObjects[1].Type": func(e *Entry) { e.AffectedObjects[1].Type = "Device" },
		"AffectedObjects[1].ID":   func(e *Entry) { e.AffectedObjects[1].ID = "" },
		"AffectedObjects[1].Name": func(e *Entry) { e.AffectedObjects[1].Name = "ntp" },
		"AffectedObjects added": func(e *Entry) {
			e.AffectedObjects = append(e.AffectedObjects, Object{Type: "Device", Name: "x"})
		},
		"AffectedObjects swapped": func(e *Entry) {
			e.AffectedObjects[0], e.AffectedObjects[1] = e.AffectedObjects[1], e.AffectedObjects[0]
		},
		"AffectedObjects nil": func(e *Entry) { e.AffectedObjects = nil },
	}

	// A field added to Entry must be covered here, or declared an output.
	// ConfigChanges are covered through ConfigDigest (TestConfigDigest).
	// Salt is not content: the verifiable log's leaf commits with it.
	notContent := map[string]bool{"PrevHash": true, "Hash": true, "ConfigChanges": true, "Salt": true}
	typ := reflect.TypeFor[Entry]()
	for i := range typ.NumField() {
		if name := typ.Field(i).Name; !notContent[name] && mutations[name] == nil {
			t.Errorf("Entry.%s has no mutation in this test: is it in AppendCanonical?", name)
		}
	}
	objTyp := reflect.TypeFor[Object]()
	for i := range objTyp.NumField() {
		if name := "AffectedObjects[0]." + objTyp.Field(i).Name; objectMutations[name] == nil {
			t.Errorf("%s has no mutation in this test", name)
		}
	}

	base := hashOf(fullEntry())
	seen := map[string]string{base: "original"}
	for _, m := range []map[string]func(*Entry){mutations, objectMutations} {
		for name, mutate := range m {
			e := fullEntry()
			mutate(&e)
			h := hashOf(e)
			if other, ok := seen[h]; ok {
				t.Errorf("changing %s gives the same hash as %s", name, other)
			}
			seen[h] = name
		}
	}
}

func TestChainHashCoversPrevHash(t *testing.T) {
	e := fullEntry()
	prev := bytes.Repeat([]byte{1}, HashSize)
	a, _ := ChainHash(GenesisHash, &e, nil)
	b, _ := ChainHash(prev, &e, nil)
	if bytes.Equal(a, b) {
		t.Error("the previous hash does not change the hash")
	}
}

func TestChainHashFieldBoundaries(t *testing.T) {
	pairs := []struct {
		name string
		a, b func(e *Entry)
	}{
		{"user_name/user_ip",
			func(e *Entry) { e.UserName, e.UserIP = "ab", "c" },
			func(e *Entry) { e.UserName, e.UserIP = "a", "bc" }},
		{"workspace/task",
			func(e *Entry) { e.Workspace, e.Task = "Devices", "" },
			func(e *Entry) { e.Workspace, e.Task = "", "Devices" }},
		{"object type/id/name",
			func(e *Entry) { e.AffectedObjects = []Object{{Type: "ab", ID: "", Name: "c"}} },
			func(e *Entry) { e.AffectedObjects = []Object{{Type: "a", ID: "b", Name: "c"}} }},
		{"one object or two",
			func(e *Entry) { e.AffectedObjects = []Object{{Type: "a", Name: "b"}, {Type: "c", Name: "d"}} },
			func(e *Entry) { e.AffectedObjects = []Object{{Type: "a", Name: "b\x01\x01c\x00\x01d"}} }},
		{"source/event_id",
			func(e *Entry) { e.Source, e.EventID = "nmp", "-1" },
			func(e *Entry) { e.Source, e.EventID = "nmp-", "1" }},
	}
	for _, p := range pairs {
		a, b := fullEntry(), fullEntry()
		p.a(&a)
		p.b(&b)
		if hashOf(a) == hashOf(b) {
			t.Errorf("%s: moving a boundary between fields does not change the hash", p.name)
		}
	}
}

// sealedChain returns n entries with ids 1..n sealed into one chain.
func sealedChain(n int) []Entry {
	entries := make([]Entry, n)
	prev := GenesisHash
	var buf []byte
	for i := range entries {
		e := fullEntry()
		e.ID = int64(i + 1)
		e.EventID = fmt.Sprintf("evt-%d", i+1)
		entries[i] = e
		prev, buf = Seal(prev, &entries[i], buf)
	}
	return entries
}

// verify runs a Verifier over entries and returns its first error.
func verify(entries []Entry) (int64, error) {
	v := NewVerifier(GenesisHash)
	for i := range entries {
		if err := v.Next(&entries[i]); err != nil {
			return v.Checked, err
		}
	}
	return v.Checked, nil
}

func TestVerifier(t *testing.T) {
	chain := sealedChain(5)
	if n, err := verify(chain); err != nil || n != 5 {
		t.Fatalf("intact chain: checked %d, error %v", n, err)
	}
	if chain[0].PrevHash != hex.EncodeToString(GenesisHash) {
		t.Errorf("first entry's prev_hash = %s, want the genesis hash", chain[0].PrevHash)
	}
	for i := 1; i < len(chain); i++ {
		if chain[i].PrevHash != chain[i-1].Hash {
			t.Errorf("entry %d: prev_hash is not the hash of entry %d", chain[i].ID, chain[i-1].ID)
		}
	}

	// forged seals a new entry right after entry 2, as a careful forger would.
	forged := fullEntry()
	forged.ID = 99
	prev, _ := hex.DecodeString(chain[1].Hash)
	Seal(prev, &forged, nil)

	tests := []struct {
		name    string
		tamper  func(c []Entry) []Entry
		checked int64
		entry   int64
	}{
		{"altered description", func(c []Entry) []Entry { c[2].Description = "nothing happened"; return c }, 2, 3},
		{"altered first entry", func(c []Entry) []Entry { c[0].UserName = "root"; return c }, 0, 1},
		{"altered last entry", func(c []Entry) []Entry { c[4].Result = ResultFailure; return c }, 4, 5},
		{"altered hash", func(c []Entry) []Entry { c[1].Hash = c[0].Hash; return c }, 1, 2},
		{"altered prev_hash", func(c []Entry) []Entry { c[3].PrevHash = c[1].Hash; return c }, 3, 4},
		{"removed", func(c []Entry) []Entry { return append(c[:2:2], c[3:]...) }, 2, 4},
		{"removed first", func(c []Entry) []Entry { return c[1:] }, 0, 2},
		{"swapped", func(c []Entry) []Entry { c[1], c[2] = c[2], c[1]; return c }, 1, 3},
		{"inserted unsealed", func(c []Entry) []Entry {
			x := c[1]
			x.ID = 42
			return append(c[:2:2], append([]Entry{x}, c[2:]...)...)
		}, 2, 42},
		{"inserted sealed", func(c []Entry) []Entry {
			return append(c[:2:2], append([]Entry{forged}, c[2:]...)...)
		}, 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := verify(tt.tamper(sealedChain(5)))
			if err == nil {
				t.Fatal("Verifier accepted a tampered chain")
			}
			if want := fmt.Sprintf("entry %d:", tt.entry); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
			if n != tt.checked {
				t.Errorf("checked %d entries before the error, want %d", n, tt.checked)
			}
		})
	}
}

func TestVerifierContinuesFromAnchor(t *testing.T) {
	chain := sealedChain(5)
	anchor, _ := hex.DecodeString(chain[1].Hash)
	v := NewVerifier(anchor)
	for i := 2; i < 5; i++ {
		if err := v.Next(&chain[i]); err != nil {
			t.Fatalf("entry %d: %v", chain[i].ID, err)
		}
	}
	anchor[0] ^= 1 // the verifier must have taken its own copy
	if v.Checked != 3 {
		t.Errorf("Checked = %d, want 3", v.Checked)
	}
}

func TestGoldenHash(t *testing.T) {
	path := filepath.Join("testdata", "golden_hash.txt")
	got := hashOf(fullEntry()) + "\n"
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenHash -update once to create it)", err)
	}
	if got != string(want) {
		t.Errorf("hash of the golden entry = %s, want %s: the canonical encoding changed, "+
			"which breaks every stored chain; bump canonicalVersion instead", strings.TrimSpace(got), strings.TrimSpace(string(want)))
	}
}

func TestConfigDigest(t *testing.T) {
	base := []ConfigChange{{Device: "mx960-1", Format: "text", Before: "a\n", After: "b\n"}}
	d := ConfigDigest(base)
	for name, mutate := range map[string]func(c *ConfigChange){
		"Device":         func(c *ConfigChange) { c.Device = "mx960-2" },
		"Format":         func(c *ConfigChange) { c.Format = "set" },
		"Before":         func(c *ConfigChange) { c.Before = "a" },
		"After":          func(c *ConfigChange) { c.After = "b" },
		"moved boundary": func(c *ConfigChange) { c.Before, c.After = "a\nb", "\n" },
	} {
		cs := []ConfigChange{base[0]}
		mutate(&cs[0])
		if string(ConfigDigest(cs)) == string(d) {
			t.Errorf("changing %s keeps the digest", name)
		}
	}
	if string(ConfigDigest(append(base, base[0]))) == string(d) {
		t.Error("a second device keeps the digest")
	}
}
