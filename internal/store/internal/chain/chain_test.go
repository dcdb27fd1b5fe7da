package chain_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store/internal/chain"
)

// memory is a Writer over a slice, with one event id stored before.
type memory struct {
	lastID   int64
	lastHash []byte
	rows     []audit.Entry
	finished [][2]int64
	fail     error
}

func (m *memory) Head(context.Context, []audit.Entry) (int64, []byte, error) {
	return m.lastID, m.lastHash, nil
}

func (m *memory) Stored(_ context.Context, source, eventID string) (int64, bool, error) {
	if source == "s" && eventID == "old" {
		return 7, true, nil
	}
	return 0, false, m.fail
}

func (m *memory) Write(_ context.Context, e *audit.Entry, _, _ []byte) error {
	m.rows = append(m.rows, *e)
	return nil
}

func (m *memory) Finish(_ context.Context, firstID, lastID int64, lastHash []byte) error {
	m.finished = append(m.finished, [2]int64{firstID, lastID})
	m.lastID, m.lastHash = lastID, lastHash
	return nil
}

func TestAppend(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("x", 3600))
	m := &memory{lastID: 10, lastHash: audit.GenesisHash}
	es := []audit.Entry{
		{Source: "s", Task: "a"},
		{Source: "s", EventID: "old", Task: "stored before"},
		{Source: "s", EventID: "new", Task: "b"},
		{Source: "s", EventID: "new", Task: "again in the batch"},
		{Source: "t", EventID: "new", Task: "another source"},
	}
	ids, err := chain.Append(ctx, m, es, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{11, 7, 12, 12, 13}; !slices.Equal(ids, want) {
		t.Errorf("ids = %v; want %v", ids, want)
	}
	if !slices.Equal(m.finished, [][2]int64{{11, 13}}) {
		t.Errorf("Finish got %v; want 11 to 13", m.finished)
	}
	v := audit.NewVerifier(audit.GenesisHash)
	for i := range m.rows {
		e := &m.rows[i]
		if err := v.Next(e); err != nil {
			t.Error(err)
		}
		if !e.RecordedAt.Equal(at.Truncate(time.Microsecond)) || e.RecordedAt.Location() != time.UTC {
			t.Errorf("entry %d recorded at %v", e.ID, e.RecordedAt)
		}
	}
	if len(m.rows) != 3 {
		t.Errorf("wrote %d entries; want 3", len(m.rows))
	}

	// A batch of stored entries writes nothing and leaves the head.
	ids, err = chain.Append(ctx, m, es[1:2], time.Now)
	if err != nil || !slices.Equal(ids, []int64{7}) || m.finished[1] != [2]int64{14, 13} {
		t.Errorf("Append of a stored entry = %v, %v, Finish %v", ids, err, m.finished)
	}

	m.fail = errors.New("boom")
	if _, err := chain.Append(ctx, m, es[2:3], time.Now); !errors.Is(err, m.fail) {
		t.Errorf("Append with a failing lookup = %v", err)
	}
}
