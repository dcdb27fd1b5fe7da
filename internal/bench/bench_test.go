package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/config"
)

// TestRunSmall runs every phase at a tiny size: the command must work end
// to end and print every figure.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	err := Run(context.Background(), Options{Config: config.Default(), Entries: 2000, Batch: 100, Clients: 4,
		SingleEntries: 300, SingleClients: 8, QueryEntries: 3000, QueryRuns: 3, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"raw driver batched insert", "HTTP batch ingest", "ratio", "single-entry ingest", "group commits: ", "sorted by user_name", "page 1000"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func BenchmarkSingleEntryIngest(b *testing.B) {
	var out bytes.Buffer
	for b.Loop() {
		if err := Run(context.Background(), Options{Config: config.Default(), Entries: 1000, Batch: 500, Clients: 2,
			SingleEntries: 30000, SingleClients: 64, QueryRuns: 1, Out: &out}); err != nil {
			b.Fatal(err)
		}
	}
	b.Log(out.String())
}
