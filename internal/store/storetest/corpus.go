package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// corpus appends n varied entries, many sharing a timestamp, and returns
// them as stored.
func corpus(t *testing.T, st store.Store, n int) []audit.Entry {
	rng := rand.New(rand.NewPCG(1, 2))
	users := []string{"super", "jdoe", "netops1", "netops2", "admin", "Zed", "älva"}
	tasks := []string{"Login", "Logout", "Apply CLI Configlet", "Deploy Template", "Execute Script"}
	results := audit.Results
	domains := []string{"Global", "Global/EMEA", "Global/EMEA/Lab", "Global/APAC"}
	es := make([]audit.Entry, n)
	for i := range es {
		e := entry(users[rng.IntN(len(users))], tasks[rng.IntN(len(tasks))], base.Add(time.Duration(rng.IntN(n/3+1))*time.Second))
		e.Result = results[rng.IntN(len(results))]
		e.Domain = domains[rng.IntN(len(domains))]
		e.UserIP = fmt.Sprintf("10.0.%d.%d", rng.IntN(3), rng.IntN(4))
		e.Workspace = []string{"", "Devices", "Jobs"}[rng.IntN(3)]
		e.Application = []string{"REST", "Network Management Platform", "Service Automation"}[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			e.JobID = int64(360448 + rng.IntN(5))
		}
		es[i] = e
	}
	// Append in several calls to cross transaction boundaries.
	for i := 0; i < n; i += 37 {
		mustAppend(t, st, es[i:min(i+37, n)]...)
	}
	return es
}

func sortKey(f store.SortField, e *audit.Entry) (string, int64) {
	switch f {
	case store.SortID:
		return "", 0
	case store.SortTimestamp:
		return "", 0
	case store.SortJobID:
		return "", e.JobID
	}
	return store.TextValue(f, e), 0
}

// expected sorts es the way the store must: by the field, then timestamp,
// then id, all in one direction.
func expected(es []audit.Entry, s store.Sort) []int64 {
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b audit.Entry) int {
		at, an := sortKey(s.Field, &a)
		bt, bn := sortKey(s.Field, &b)
		c := cmp.Or(strings.Compare(at, bt), cmp.Compare(an, bn), a.Timestamp.Compare(b.Timestamp), cmp.Compare(a.ID, b.ID))
		if s.Field == store.SortID {
			c = cmp.Compare(a.ID, b.ID)
		}
		if s.Desc {
			return -c
		}
		return c
	})
	return ids(out)
}
