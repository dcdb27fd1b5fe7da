package e2e

import (
	"strings"
	"testing"

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
}
