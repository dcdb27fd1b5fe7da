package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

func benchEntries(n int) []audit.Entry {
	rng := rand.New(rand.NewPCG(7, 7))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	es := make([]audit.Entry, n)
	for i := range es {
		es[i] = audit.Entry{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), UserName: fmt.Sprintf("user%d", rng.IntN(40)),
			UserIP: fmt.Sprintf("172.16.%d.%d", rng.IntN(4), rng.IntN(50)), Domain: []string{"Global", "Global/EMEA", "Global/APAC"}[rng.IntN(3)],
			Application: "Network Management Platform", Workspace: "Devices", Task: fmt.Sprintf("Task %d", rng.IntN(60)),
			Result: audit.Results[rng.IntN(4)], Description: "Apply CLI Configlet operation initiated for the configlet ntp-servers on the device mx960-1.",
			AffectedObjects: []audit.Object{{Type: "Device", ID: "131090", Name: "mx960-1"}}, Source: "bench"}
		if i%2 == 0 {
			es[i].JobID = int64(360448 + i)
		}
	}
	return es
}

// BenchmarkAppend measures the store's batched append (1,000 entries per
// transaction), hashing included: the ceiling of the ingest writer.
func BenchmarkAppend(b *testing.B) {
	st := open(b)
	defer st.Close()
	es := benchEntries(1000)
	round := 0
	for b.Loop() {
		// Later batches happen later, as real ones do: the same timestamps
		// again would insert into the middle of every index.
		round++
		batch := make([]audit.Entry, len(es))
		copy(batch, es)
		for i := range batch {
			batch[i].Timestamp = batch[i].Timestamp.Add(time.Duration(round) * time.Hour)
		}
		if _, err := st.Append(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(es))/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAppendSmall measures a group commit of 40 entries: the fixed
// cost of a transaction (chain head, fsync, index pages) dominates.
func BenchmarkAppendSmall(b *testing.B) {
	st := open(b)
	es := benchEntries(40)
	round := 0
	for b.Loop() {
		round++
		batch := make([]audit.Entry, len(es))
		copy(batch, es)
		for i := range batch {
			batch[i].Timestamp = batch[i].Timestamp.Add(time.Duration(round) * time.Minute)
		}
		if _, err := st.Append(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(es))/b.Elapsed().Seconds(), "entries/s")
}
