package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserStatistics opens the Statistics page and follows a bar of the
// by-task chart to the grid filtered to that task.
func TestBrowserStatistics(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	p.open("/statistics?range=90d")
	if n := evalJS[int](p, `document.querySelectorAll("#by-task .bar-link").length`); n == 0 {
		t.Fatal("the by-task chart has no bars")
	}
	task := evalJS[string](p, `document.querySelector("#by-task .bar-label").textContent`)
	p.screenshot("statistics.png")
	p.load("click the first task bar", chromedp.Click(chromedp.CSS("#by-task .bar-link rect")))
	if got := p.location().Path; got != "/audit-logs" {
		t.Fatalf("the bar led to %s", got)
	}
	tasks := p.texts("#grid tbody td.col-task")
	if len(tasks) == 0 {
		t.Fatal("the grid behind the bar is empty")
	}
	for _, got := range tasks {
		if strings.TrimSpace(got) != task {
			t.Fatalf("the grid behind the %q bar shows task %q", task, got)
		}
	}
}
