package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserConfigurationDetails opens a configuration task's detail,
// follows View Configuration Detail, checks the marked lines, expands the
// collapsed context, switches to side by side, and checks that the link is
// absent for a task that is not a configuration task.
func TestBrowserConfigurationDetails(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	id := strconv.FormatInt(ui.Full.ID, 10)

	p.open("/audit-logs/" + id)
	p.load("View Configuration Detail", chromedp.Click(chromedp.CSS(`a[href="/audit-logs/`+id+`/config-change"]`)))
	if got := p.location().Path; got != "/audit-logs/"+id+"/config-change" {
		t.Fatalf("the link went to %s", got)
	}
	count := func(sel string) int { return evalJS[int](p, `document.querySelectorAll('`+sel+`').length`) }
	if n := count(".unified-view tr.del"); n != 1 {
		t.Errorf("%d removed lines marked, want 1", n)
	}
	if n := count(".unified-view tr.add"); n != 1 {
		t.Errorf("%d added lines marked, want 1", n)
	}
	if got := p.texts(".unified-view tr.add mark"); len(got) != 1 || !strings.Contains(got[0], "192.0.2.99") {
		t.Errorf("the word-level highlight of the added line is %q", got)
	}
	if got := strings.TrimSpace(p.texts("[data-added]")[0]); got != "+1" {
		t.Errorf("added count %q", got)
	}
	// Unchanged stretches start collapsed and open on request.
	if evalJS[bool](p, `Array.from(document.querySelectorAll(".unified-view details")).some(d => d.open)`) {
		t.Error("unchanged lines start expanded")
	}
	hidden := evalJS[bool](p, `(() => { const r = document.querySelector(".unified-view details tr"); return !!r && !r.checkVisibility(); })()`)
	if !hidden {
		t.Error("collapsed lines are visible")
	}
	p.do("expand the context", chromedp.Click(chromedp.CSS(".unified-view details summary")))
	p.waitFor("context shown", `document.querySelector(".unified-view details").open && document.querySelector(".unified-view details tr").checkVisibility()`)
	// Side by side.
	p.load("side by side", chromedp.Click(chromedp.CSS(`a[id$="-split"]`)))
	p.waitFor("split view shown", `!!document.querySelector(".split-view") && !document.querySelector(".unified-view")`)
	if n := count(".split-view tbody.hunk td.code.del"); n != 1 {
		t.Errorf("side by side marks %d removed lines, want 1", n)
	}
	p.screenshot("config-diff.png")

	// A task that is not a configuration task has no link.
	var login int64
	for _, e := range ui.Entries {
		if e.Task == "Login" {
			login = e.ID
			break
		}
	}
	p.open("/audit-logs/" + strconv.FormatInt(login, 10))
	if n := count(`a[href$="/config-change"]`); n != 0 {
		t.Errorf("a Login entry shows %d View Configuration Detail links", n)
	}
}
