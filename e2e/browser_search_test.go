package e2e

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserSearch types a search with a syntax error (the error shows
// under the box, naming the position) and then a valid one (the grid
// shows only what it selects, and the URL carries it).
func TestBrowserSearch(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	p.open("/audit-logs")
	p.do("type a broken search", chromedp.SendKeys(chromedp.ID("q"), `user:`))
	resp, err := chromedp.RunResponse(p.ctx, chromedp.SendKeys(chromedp.ID("q"), kb.Enter))
	if err != nil {
		t.Fatal(err)
	}
	if resp == nil || resp.Status != 400 {
		t.Fatalf("a broken search answered %v", resp)
	}
	p.waitReady("broken search")
	if msg := p.texts("#filter-error"); len(msg) != 1 || !strings.Contains(msg[0], "q: at") {
		t.Fatalf("the error under the box says %q", msg)
	}
	if got := evalJS[string](p, `document.getElementById("q").value`); got != "user:" {
		t.Errorf("the box lost the query: %q", got)
	}

	e := ui.Full
	p.do("clear the box", chromedp.Evaluate[chromedp.Void](`document.getElementById("q").value = ""`))
	p.load("search", chromedp.SendKeys(chromedp.ID("q"), `user:"`+e.UserName+`" -task:Login`+kb.Enter))
	if got := p.location().Query().Get("q"); !strings.Contains(got, e.UserName) {
		t.Errorf("the URL does not carry the search: %q", got)
	}
	users := p.texts("#grid tbody td.col-user_name")
	if len(users) == 0 {
		t.Fatal("the search found nothing")
	}
	for _, u := range users {
		if strings.TrimSpace(u) != e.UserName {
			t.Fatalf("the grid shows user %q for a search of %q", u, e.UserName)
		}
	}
	if n := len(p.texts("#filter-error")); n != 0 {
		t.Error("an error is still shown after a valid search")
	}

	// Export CSV downloads the search's entries, all of them and only them.
	dir := t.TempDir()
	p.do("allow downloads", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
	p.do("export CSV", chromedp.Click(chromedp.ID("export-csv")))
	rows := readDownloadedCSV(t, dir)
	if len(rows) < 1 || rows[0][0] != "Audit Log ID" {
		t.Fatalf("the download holds %d rows, header %q", len(rows), rows[0])
	}
	col := slices.Index(rows[0], "User Name")
	task := slices.Index(rows[0], "Task")
	if col < 0 || task < 0 {
		t.Fatalf("the header has no User Name or Task: %q", rows[0])
	}
	want := 0
	for _, x := range ui.Entries {
		if x.UserName == e.UserName && x.Task != "Login" {
			want++
		}
	}
	if got := len(rows) - 1; got != want {
		t.Errorf("the CSV holds %d entries, the search selects %d", got, want)
	}
	for _, r := range rows[1:] {
		if r[col] != e.UserName || r[task] == "Login" {
			t.Fatalf("the CSV holds an entry the search excludes: %q", r)
		}
	}
}

// readDownloadedCSV waits for the one finished download in dir and parses it.
func readDownloadedCSV(t *testing.T, dir string) [][]string {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		partial, _ := filepath.Glob(filepath.Join(dir, "*.crdownload"))
		if len(files) == 1 && len(partial) == 0 {
			f, err := os.Open(files[0])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatalf("the downloaded CSV does not parse: %v", err)
			}
			return rows
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no CSV downloaded into %s", dir)
	return nil
}
