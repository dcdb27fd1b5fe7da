package server_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server/servertest"
	"github.com/logbookhq/logbook/internal/store"
	"github.com/logbookhq/logbook/internal/store/storetest"
)

// FuzzHTTPQuery sends arbitrary searches, sorts, prefix filters and
// cursors to the routes that read audit logs, on a real server over a
// real SQLite file with entries in both of its tables, and fails on any
// answer of 5xx or one that takes longer than a client waits: whatever a
// caller sends is either answered or refused with a 4xx. Issue 13 was a
// 500 for one search term of many words.
//
// A cursor is either raw text (cursor) or, when it is empty and id is not
// zero, one made for the sort from text, ts and id, so that the keyset
// conditions see arbitrary values too.
func FuzzHTTPQuery(f *testing.F) {
	fx := servertest.New(f, servertest.Options{AsAdmin: true})
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	fill := func(i int) audit.Entry {
		return audit.Entry{Timestamp: at.Add(time.Duration(i) * time.Minute), UserName: fmt.Sprintf("u%d", i%7),
			UserIP: []string{"10.0.0.1", "172.16.5.9", "2001:db8::1", ""}[i%4], Domain: audit.RootDomain,
			Application: "Network Management Platform", Workspace: "Devices", Task: []string{"Login", "Apply CLI Configlet", "Deploy Template"}[i%3],
			Result: audit.Results[i%len(audit.Results)], Description: fmt.Sprintf("x q ntp mx960-%d set system", i%5),
			AffectedObjects: []audit.Object{{Type: "Device", Name: fmt.Sprintf("mx960-%d", i%5)}}, JobID: int64(i % 4), Source: "fuzz"}
	}
	large := make([]audit.Entry, 300) // one large commit: SQLite's indexed table
	for i := range large {
		large[i] = fill(i)
	}
	if _, err := fx.Store.Append(ctx, large); err != nil {
		f.Fatal(err)
	}
	for i := range 5 { // small commits: SQLite's buffer of recent entries
		if _, err := fx.Store.Append(ctx, []audit.Entry{fill(300 + i)}); err != nil {
			f.Fatal(err)
		}
	}
	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The grid must answer the fixture's token, not send it to sign in.
	if resp, err := client.Get(fx.URL + "/audit-logs"); err != nil || resp.StatusCode != http.StatusOK {
		f.Fatalf("GET /audit-logs: %v %v, want 200", resp, err)
	} else {
		resp.Body.Close()
	}

	f.Add(strings.Repeat("x*q=", 500), "", "", "", int64(0), int64(0), "", false) // issue 13
	f.Add(storetest.LargestSearch(), "user_name", "u*", "", int64(5), at.UnixMicro(), "u3", true)
	f.Add(`user:u1* task:"Apply CLI Configlet" result:Failure,Job\ Scheduled ip:10.0.0.0/9 -object:Device:mx960-1 ntp`, "-timestamp", "u", "", int64(0), int64(0), "", false)
	f.Add(`"set system" -mx960* after:-24h before:2026-11-26`, "-job_id", "", "eyJzIjoiLWpvYl9pZCJ9", int64(0), int64(0), "", false)
	f.Add("ip:::/0 id:1,2,3 job:1", "user_ip", "10.", "", int64(-1), int64(-1<<62), "\U0010FFFF", false)

	// The server's own goroutines (the ingest writer, SQLite's moves and
	// checkpoints, the scheduler) run during the calls, so that nearly
	// every call shows some new coverage, and each such input is minimized
	// before fuzzing goes on: five requests per byte tried, for up to 60 s
	// by default. The first input off the 2,000-byte seed took the whole
	// run (9 calls in 60 s). Unless the command line says otherwise, new
	// inputs join the corpus as they are.
	explicit := false
	flag.Visit(func(fl *flag.Flag) { explicit = explicit || fl.Name == "test.fuzzminimizetime" })
	if !explicit {
		if err := flag.Set("test.fuzzminimizetime", "0"); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, q, sort, user, cursor string, id, ts int64, text string, backward bool) {
		if cursor == "" && id != 0 {
			s, err := store.ParseSort(sort)
			if err != nil {
				s = store.Sort{Field: store.SortField(sort)}
			}
			c := store.Cursor{Sort: s.String(), Text: text, Num: ts, TS: ts, ID: id, Backward: backward}
			cursor = c.Encode()
		}
		params := func(names ...string) string {
			v := url.Values{}
			for _, n := range names {
				switch {
				case n == "q" && q != "":
					v.Set("q", q)
				case n == "sort" && sort != "":
					v.Set("sort", sort)
				case n == "user_name" && user != "":
					v.Set("user_name", user)
				case n == "cursor" && cursor != "":
					v.Set("cursor", cursor)
				}
			}
			return v.Encode()
		}
		for _, path := range []string{
			"/api/v1/audit-logs?" + params("q", "sort", "user_name", "cursor"),
			"/api/v1/audit-logs/stats?group_by=user_name&" + params("q", "user_name"),
			"/api/v1/audit-logs/stats?interval=day&" + params("q", "user_name"),
			"/api/v1/audit-logs/export?format=ndjson&" + params("q", "sort", "user_name"),
			"/audit-logs?" + params("q", "sort", "user_name", "cursor"),
		} {
			resp, err := client.Get(fx.URL + path)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
			resp.Body.Close()
			if err != nil {
				t.Fatalf("GET %s: reading the answer: %v", path, err)
			}
			if resp.StatusCode >= 500 {
				t.Fatalf("GET %s: %d\n%.500s", path, resp.StatusCode, body)
			}
		}
	})
}
