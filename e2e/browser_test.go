package e2e

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the time zones the browser emulates, also where the system has none

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/demo"
)

// browserLimit is how long one browser test may run before its browser is
// stopped; the whole suite normally takes a fraction of it.
const browserLimit = 45 * time.Second

// TestBrowserGrid sorts, filters, pages and hides columns as a person does,
// and checks every page against the order the store promises: the sort
// field, then the timestamp, then the id, all in the same direction.
func TestBrowserGrid(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")

	p.open("/audit-logs")
	newest := sortedBy(ui.Entries, func(e audit.Entry) string { return "" }, true)
	checkRows(t, p, "default page", newest[:50])
	checkTotal(t, p, len(ui.Entries), false)
	if got := p.texts(".pager .page-no"); !slices.Equal(got, []string{"Page 1"}) {
		t.Errorf("pager shows %q, want Page 1", got)
	}

	byUser := func(e audit.Entry) string { return e.UserName }
	p.load("sort by user name", chromedp.Click(chromedp.CSS(`a.sort[data-sort="user_name"]`)))
	checkQuery(t, p, map[string]string{"sort": "user_name"})
	checkAriaSort(t, p, "user_name", "ascending")
	names := p.texts("#grid tbody td.col-user_name")
	if !slices.IsSorted(names) {
		t.Errorf("user names are not ascending: %q", names)
	}
	checkRows(t, p, "sorted by user name", sortedBy(ui.Entries, byUser, false)[:50])

	p.load("sort by user name again", chromedp.Click(chromedp.CSS(`a.sort[data-sort="user_name"]`)))
	checkQuery(t, p, map[string]string{"sort": "-user_name"})
	checkAriaSort(t, p, "user_name", "descending")
	names = p.texts("#grid tbody td.col-user_name")
	if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("user names are not descending: %q", names)
	}
	checkRows(t, p, "sorted by user name, descending", sortedBy(ui.Entries, byUser, true)[:50])

	byTask := func(e audit.Entry) string { return e.Task }
	p.load("sort by task", chromedp.Click(chromedp.CSS(`a.sort[data-sort="task"]`)))
	checkQuery(t, p, map[string]string{"sort": "task"})
	checkAriaSort(t, p, "task", "ascending")
	checkRows(t, p, "sorted by task", sortedBy(ui.Entries, byTask, false)[:50])

	// Filter on the start of the task with the most failures, so that the
	// filtered grid still has a second page.
	prefix := busiestFailingTaskPrefix(ui.Entries)
	p.load("filter by task prefix", chromedp.SendKeys(chromedp.CSS(`tr.filter-row input[name="task"]`), prefix+kb.Enter))
	checkQuery(t, p, map[string]string{"sort": "task", "task": prefix})
	for _, task := range p.texts("#grid tbody td.col-task") {
		if !strings.HasPrefix(task, prefix) {
			t.Errorf("task filter %q shows task %q", prefix, task)
		}
	}
	withPrefix := filtered(ui.Entries, func(e audit.Entry) bool { return strings.HasPrefix(e.Task, prefix) })
	checkRows(t, p, "filtered by task", sortedBy(withPrefix, byTask, false)[:50])
	checkTotal(t, p, len(withPrefix), true)

	// A select applies itself on change, as when a person picks an option.
	p.load("filter by result", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector('tr.filter-row select[name="result"]');
		s.value = "Failure";
		s.dispatchEvent(new Event("change", { bubbles: true }));
	})()`))
	checkQuery(t, p, map[string]string{"sort": "task", "task": prefix, "result": "Failure"})
	for _, r := range p.texts("#grid tbody td.col-result") {
		if r != "Failure" {
			t.Errorf("result filter Failure shows %q", r)
		}
	}
	failing := sortedBy(filtered(withPrefix, func(e audit.Entry) bool { return e.Result == audit.ResultFailure }), byTask, false)
	if len(failing) <= 50 {
		t.Fatalf("the seed has only %d failures of tasks starting with %q; the paging test needs more than 50", len(failing), prefix)
	}
	checkRows(t, p, "filtered by task and result", failing[:50])
	checkTotal(t, p, len(failing), true)
	page1 := p.rowIDs()

	p.load("next page", chromedp.Click(chromedp.ID("next")))
	checkQuery(t, p, map[string]string{"sort": "task", "task": prefix, "result": "Failure", "p": "2"})
	page2 := p.rowIDs()
	if len(page2) == 0 || page2[0] == page1[0] {
		t.Errorf("page 2 starts with %v, page 1 with %d", page2, page1[0])
	}
	checkRows(t, p, "page 2", failing[50:min(100, len(failing))])
	if got := p.texts(".pager .page-no"); !slices.Equal(got, []string{"Page 2"}) {
		t.Errorf("pager shows %q, want Page 2", got)
	}
	page2URL := p.relURL()

	p.load("previous page", chromedp.Click(chromedp.ID("prev")))
	if got := p.rowIDs(); !slices.Equal(got, page1) {
		t.Errorf("previous page shows %v, want the first page %v", got, page1)
	}
	checkQuery(t, p, map[string]string{"sort": "task", "task": prefix, "result": "Failure"})

	p.load("browser back", chromedp.NavigateBack())
	if got := p.relURL(); got != page2URL {
		t.Errorf("back went to %s, want %s", got, page2URL)
	}
	if got := p.rowIDs(); !slices.Equal(got, page2) {
		t.Errorf("back shows %v, want page 2 %v", got, page2)
	}
	if got := evalJS[string](p, `document.querySelector('tr.filter-row input[name="task"]').value`); got != prefix {
		t.Errorf("after back the task filter holds %q, want %q", got, prefix)
	}
	if got := evalJS[string](p, `document.querySelector('tr.filter-row select[name="result"]').value`); got != "Failure" {
		t.Errorf("after back the result filter holds %q, want Failure", got)
	}

	// The column chooser hides a column in the header, the filter row and
	// every row, and the browser remembers the choice.
	userIPHidden := `Array.from(document.querySelectorAll("#grid .col-user_ip")).every(el => getComputedStyle(el).display === "none")`
	if evalJS[bool](p, userIPHidden) {
		t.Fatal("the User IP column is hidden before the viewer hid it")
	}
	p.do("hide User IP",
		chromedp.Click(chromedp.CSS("#columns-menu summary")),
		chromedp.Click(chromedp.CSS(`#columns-menu input[data-column="user_ip"]`)),
	)
	p.waitFor("User IP hidden", userIPHidden)
	if !evalJS[bool](p, `getComputedStyle(document.querySelector("#grid tbody td.col-user_name")).display !== "none"`) {
		t.Error("hiding User IP hid User Name too")
	}
	p.load("reload", chromedp.Reload())
	if !evalJS[bool](p, userIPHidden) {
		t.Error("User IP is shown again after a reload")
	}
	if evalJS[bool](p, `document.querySelector('#columns-menu input[data-column="user_ip"]').checked`) {
		t.Error("the User IP box is checked again after a reload")
	}

	// The page size applies itself and keeps the filters and the sort, and
	// starts again from the first page.
	p.load("page size 25", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector('#page-size-form select[name="limit"]');
		s.value = "25";
		s.dispatchEvent(new Event("change", { bubbles: true }));
	})()`))
	checkQuery(t, p, map[string]string{"sort": "task", "task": prefix, "result": "Failure"})
	if got := p.location().Query().Get("limit"); got != "25" {
		t.Errorf("page size 25 made limit=%q", got)
	}
	checkRows(t, p, "page size 25", failing[:25])
}

// TestBrowserDetailDialog opens the fully populated entry from the grid and
// as a page, and checks every field against the store, and that the
// dialog's URL comes and goes with it.
func TestBrowserDetailDialog(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	e := ui.Full
	id := strconv.FormatInt(e.ID, 10)

	p.open("/audit-logs")
	p.load("filter by id", chromedp.SendKeys(chromedp.CSS(`tr.filter-row input[name="id"]`), id+kb.Enter))
	if got := p.rowIDs(); !slices.Equal(got, []int64{e.ID}) {
		t.Fatalf("id filter %s shows rows %v", id, got)
	}
	gridURL := p.relURL()

	openDialog(p, e.ID)
	checkDetail(t, p, "#detail-dialog", e)
	checkDialogURL(t, p, e.ID, gridURL)

	p.do("press Escape", chromedp.KeyEvent(kb.Escape))
	waitDialogClosed(p, gridURL)

	openDialog(p, e.ID)
	checkDialogURL(t, p, e.ID, gridURL)
	p.do("click OK", chromedp.Click(chromedp.CSS("#detail-dialog [data-close]")))
	waitDialogClosed(p, gridURL)

	// The dialog's URL is a history entry: forward opens it again, back
	// closes it.
	p.do("browser forward", chromedp.NavigateForward())
	p.waitFor("dialog open again", dialogOpen(e.ID))
	checkDetail(t, p, "#detail-dialog", e)
	p.do("browser back", chromedp.NavigateBack())
	waitDialogClosed(p, gridURL)

	p.open("/audit-logs/" + id)
	if evalJS[bool](p, `!!document.querySelector("dialog")`) {
		t.Error("the detail page has a dialog")
	}
	checkDetail(t, p, ".detail-page", e)
	p.load("click OK on the page", chromedp.Click(chromedp.CSS(".detail-page [data-close]")))
	if got := p.relURL(); got != "/audit-logs" {
		t.Errorf("OK on the detail page went to %s, want /audit-logs", got)
	}
}

// TestBrowserLocalTime checks that times show in the viewer's zone with
// its offset, and that the time range filter turns local input into UTC
// across a daylight saving change.
func TestBrowserLocalTime(t *testing.T) {
	ui := startUI(t)
	e := ui.Full
	cell := fmt.Sprintf(`document.querySelector('#grid tr[data-id="%d"] td.col-timestamp time')`, e.ID)
	path := fmt.Sprintf("/audit-logs?id=%d", e.ID)

	kolkata := newPage(t, newBrowser(t, browserLimit), ui.URL, "Asia/Kolkata")
	kolkata.open(path)
	want := localText(t, e.Timestamp, "Asia/Kolkata")
	if !strings.HasSuffix(want, " UTC+05:30") {
		t.Fatalf("Go says Kolkata is at %s", want)
	}
	if got := evalJS[string](kolkata, cell+`.textContent`); got != want {
		t.Errorf("timestamp in Asia/Kolkata shows %q, want %q", got, want)
	}
	if got, utc := evalJS[string](kolkata, cell+`.title`), e.Timestamp.UTC().Format("2006-01-02 15:04:05"); !strings.Contains(got, utc) {
		t.Errorf("timestamp title is %q, want it to contain the UTC time %s", got, utc)
	}
	if got := kolkata.texts("[data-tz-note]"); len(got) != 1 || !strings.Contains(got[0], "UTC+05:30") {
		t.Errorf("time zone note says %q, want it to name UTC+05:30", got)
	}

	berlin := newPage(t, kolkata.ctx, ui.URL, "Europe/Berlin")
	berlin.open(path)
	if got, want := evalJS[string](berlin, cell+`.textContent`), localText(t, e.Timestamp, "Europe/Berlin"); got != want || want != "2026-03-29 03:30:00 UTC+02:00" {
		t.Errorf("timestamp in Europe/Berlin shows %q, want %q (summer time)", got, want)
	}
	// 03:30 on the day Berlin springs forward is summer time, UTC+2.
	// A datetime-local input takes typing in the browser's locale format;
	// set its value as the picker does.
	berlin.do("set From", chromedp.Evaluate[chromedp.Void](`(() => {
		const from = document.querySelector('input[data-utc-target="from"]');
		from.value = "2026-03-29T03:30:00";
		from.dispatchEvent(new Event("input", { bubbles: true }));
		from.dispatchEvent(new Event("change", { bubbles: true }));
	})()`))
	berlin.load("apply the time range", chromedp.Click(chromedp.CSS(`#filters button[type="submit"]`)))
	if got := berlin.location().Query().Get("from"); got != "2026-03-29T01:30:00.000Z" {
		t.Errorf("From 2026-03-29T03:30:00 in Europe/Berlin became from=%q, want 2026-03-29T01:30:00.000Z", got)
	}
	// The input drops seconds that are zero.
	if got := evalJS[string](berlin, `document.querySelector('input[data-utc-target="from"]').value`); strings.TrimSuffix(got, ":00") != "2026-03-29T03:30" {
		t.Errorf("after filtering, From shows %q, want the local time 2026-03-29T03:30:00", got)
	}
	if got := berlin.rowIDs(); !slices.Equal(got, []int64{e.ID}) {
		t.Errorf("from is inclusive, so the entry at exactly that time should show; rows are %v", got)
	}
}

// TestBrowserXSSProbe shows an entry full of markup in the grid, the
// dialog and the page, and checks that all of it stays text.
func TestBrowserXSSProbe(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	e := ui.XSS

	p.open("/audit-logs")
	p.load("filter by the probe's user name", chromedp.SendKeys(chromedp.CSS(`tr.filter-row input[name="user_name"]`), xssUserName+kb.Enter))
	if got := p.rowIDs(); !slices.Equal(got, []int64{e.ID}) {
		t.Fatalf("user name filter %q shows rows %v, want only %d", xssUserName, got, e.ID)
	}
	if got := evalJS[string](p, `document.querySelector('tr.filter-row input[name="user_name"]').value`); got != xssUserName {
		t.Errorf("the filter box holds %q, want %q", got, xssUserName)
	}
	openDialog(p, e.ID)
	// An injected image would fail to load and run its handler shortly.
	p.do("let injected handlers run", chromedp.Sleep(200*time.Millisecond))
	checkNoInjection(t, p, "grid and dialog")
	if got := p.texts("#grid tbody td.col-description"); len(got) != 1 || got[0] != xssDescription || !strings.Contains(got[0], "<script>") {
		t.Errorf("grid description is %q, want the text %q", got, xssDescription)
	}
	if got := p.texts("#grid tbody td.col-user_name"); len(got) != 1 || got[0] != xssUserName {
		t.Errorf("grid user name is %q, want the text %q", got, xssUserName)
	}
	checkDetail(t, p, "#detail-dialog", e)

	p.open(fmt.Sprintf("/audit-logs/%d", e.ID))
	p.do("let injected handlers run", chromedp.Sleep(200*time.Millisecond))
	checkNoInjection(t, p, "detail page")
	checkDetail(t, p, ".detail-page", e)

	// The back parameter only ever leads to the grid.
	for _, back := range []string{"javascript:window.__xss=5", "//evil.example/audit-logs", "https://evil.example/audit-logs"} {
		p.open(fmt.Sprintf("/audit-logs/%d?back=%s", e.ID, url.QueryEscape(back)))
		if got := evalJS[string](p, `document.querySelector("[data-close]").getAttribute("href")`); got != "/audit-logs" {
			t.Errorf("back=%s makes OK lead to %q, want /audit-logs", back, got)
		}
	}
}

// TestBrowserLiveCount ingests entries while the grid is open and checks
// that the grid offers them, and shows them when asked.
func TestBrowserLiveCount(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	p.open("/audit-logs")
	if evalJS[bool](p, `!document.getElementById("live").hidden`) {
		t.Fatal("the live button is unhidden before anything new arrived")
	}
	shownBefore := evalJS[bool](p, liveButtonShown)
	// Wait until the page listens, so that the count comes as a push.
	deadline := time.Now().Add(stepTimeout)
	for ui.Server.Hub.Subscribers() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the grid did not open its live stream")
		}
		time.Sleep(20 * time.Millisecond)
	}

	g := demo.NewGenerator(9)
	var entries []audit.Entry
	for range 3 {
		e, errs := audit.Validate(g.Input(), time.Now())
		if len(errs) > 0 {
			t.Fatalf("demo input is invalid: %v", errs)
		}
		e.Source = "test"
		entries = append(entries, e)
	}
	ids, err := ui.Server.Writer.Submit(context.Background(), entries)
	if err != nil {
		t.Fatalf("error ingesting: %v", err)
	}
	p.waitFor("live count", `(() => {
		const b = document.getElementById("live");
		return !b.hidden && b.textContent === "3 new entries";
	})()`)
	p.waitFor("live button shown", liveButtonShown)
	p.do("live button visible", chromedp.WaitVisible(chromedp.ID("live")))

	p.load("show the new entries", chromedp.Click(chromedp.ID("live")))
	got := p.rowIDs()
	if len(got) < 3 {
		t.Fatalf("first page has %d rows", len(got))
	}
	top := slices.Sorted(slices.Values(got[:3]))
	if !slices.Equal(top, ids) {
		t.Errorf("first page starts with %v, want the new entries %v", got[:3], ids)
	}
	checkTotal(t, p, len(ui.Entries)+3, false)
	if evalJS[bool](p, `!document.getElementById("live").hidden`) {
		t.Error("the live button is still unhidden after the new entries were loaded")
	}
	shownAfter := evalJS[bool](p, liveButtonShown)

	t.Run("hidden button is not drawn", func(t *testing.T) {
		if shownBefore || shownAfter {
			// The rule "button, .button { display: inline-block }" in
			// app.css outranks the browser's [hidden] { display: none }.
		}
	})
}

// liveButtonShown is a predicate: the live button takes space on screen.
const liveButtonShown = `(() => {
	const b = document.getElementById("live");
	return getComputedStyle(b).display !== "none" && b.getClientRects().length > 0;
})()`

// TestBrowserScreenshots writes the screenshots of docs/screenshots at a
// common laptop size.
func TestBrowserScreenshots(t *testing.T) {
	ui := startUI(t)
	p := newPage(t, newBrowser(t, browserLimit), ui.URL, "Etc/UTC")
	p.do("set viewport", chromedp.EmulateViewport(1440, 900))

	p.open("/audit-logs")
	p.screenshot("audit-log-grid.png")

	// Oldest first puts the fixture entry on top, over a full grid.
	p.open("/audit-logs?sort=timestamp")
	openDialog(p, ui.Full.ID)
	p.screenshot("audit-log-detail.png")
}

// openDialog clicks the row of entry id and waits for its dialog.
func openDialog(p *browserPage, id int64) {
	p.t.Helper()
	p.do("click row", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#grid tr[data-id="%d"] td.col-task`, id))))
	p.waitFor("dialog open", dialogOpen(id))
}

// dialogOpen is a predicate: the dialog is open on entry id.
func dialogOpen(id int64) string {
	return fmt.Sprintf(`(() => {
		const d = document.getElementById("detail-dialog");
		const body = d && d.querySelector("[data-detail-id]");
		return d.open && !!body && body.dataset.detailId === "%d" && location.pathname === "/audit-logs/%d";
	})()`, id, id)
}

// waitDialogClosed waits until the dialog is closed and the URL is the
// grid's again.
func waitDialogClosed(p *browserPage, gridURL string) {
	p.t.Helper()
	p.waitFor("dialog closed", fmt.Sprintf(`!document.getElementById("detail-dialog").open && location.pathname + location.search === %s`, jsString(gridURL)))
}

func checkDialogURL(t *testing.T, p *browserPage, id int64, gridURL string) {
	t.Helper()
	u := p.location()
	if want := fmt.Sprintf("/audit-logs/%d", id); u.Path != want {
		t.Errorf("dialog URL path is %s, want %s", u.Path, want)
	}
	if got := u.Query().Get("back"); got != gridURL {
		t.Errorf("dialog URL back=%q, want %q", got, gridURL)
	}
}

// checkDetail compares every field shown under root with the stored entry.
func checkDetail(t *testing.T, p *browserPage, root string, e audit.Entry) {
	t.Helper()
	got := p.fields(root)
	want := map[string]string{
		"id":          strconv.FormatInt(e.ID, 10),
		"user_name":   e.UserName,
		"user_ip":     e.UserIP,
		"domain":      e.Domain,
		"application": e.Application,
		"workspace":   e.Workspace,
		"task":        e.Task,
		"timestamp":   localText(t, e.Timestamp, "Etc/UTC"),
		"result":      string(e.Result),
		"description": e.Description,
		"recorded_at": localText(t, e.RecordedAt, "Etc/UTC"),
		"source":      e.Source,
		"hash":        e.Hash,
		"prev_hash":   e.PrevHash,
		"job_id":      "none",
	}
	if e.JobID != 0 {
		want["job_id"] = strconv.FormatInt(e.JobID, 10)
	}
	for _, f := range slices.Sorted(maps.Keys(want)) {
		if got[f] != want[f] {
			t.Errorf("%s: field %s shows %q, want %q", root, f, got[f], want[f])
		}
	}
	if len(e.Hash) != 64 {
		t.Errorf("stored hash %q is not a SHA-256", e.Hash)
	}
	times := evalJS[[]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll(%s), t => t.getAttribute("datetime"))`,
		jsString(root+` dd[data-field="timestamp"] time, `+root+` dd[data-field="recorded_at"] time`)))
	if wantTimes := []string{audit.FormatTime(e.Timestamp), audit.FormatTime(e.RecordedAt)}; !slices.Equal(times, wantTimes) {
		t.Errorf("%s: time elements carry %q, want %q", root, times, wantTimes)
	}

	rows := evalJS[[][]string](p, fmt.Sprintf(`Array.from(document.querySelectorAll(%s), tr => Array.from(tr.cells, c => c.textContent))`,
		jsString(root+` dd[data-field="affected_objects"] table tbody tr`)))
	var wantRows [][]string
	for _, o := range e.AffectedObjects {
		wantRows = append(wantRows, []string{o.Type, o.ID, o.Name})
	}
	if !slices.EqualFunc(rows, wantRows, slices.Equal) {
		t.Errorf("%s: affected objects show %q, want %q", root, rows, wantRows)
	}

	detail := evalJS[string](p, fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ""`, jsString(root+` dd[data-field="affected_object_detail"] pre`)))
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, []byte(e.AffectedObjectDetail), "", "  "); err != nil {
		t.Fatalf("fixture detail is not JSON: %v", err)
	}
	if detail != pretty.String() || !strings.Contains(detail, "\n  \"") {
		t.Errorf("%s: affected object detail shows\n%s\nwant it pretty-printed:\n%s", root, detail, pretty.String())
	}
}

// checkNoInjection fails when markup from the probe entry became elements
// or ran.
func checkNoInjection(t *testing.T, p *browserPage, where string) {
	t.Helper()
	if got := evalJS[string](p, `typeof window.__xss === "undefined" ? "" : String(window.__xss)`); got != "" {
		t.Errorf("%s: the probe's script ran (window.__xss = %s)", where, got)
	}
	if evalJS[bool](p, `!!document.getElementById("xss")`) {
		t.Errorf("%s: the probe's <b id=xss> became an element", where)
	}
	if n := evalJS[int](p, `document.querySelectorAll("#grid img, #detail-dialog img, .detail-page img, main script").length`); n != 0 {
		t.Errorf("%s: the probe's markup made %d img or script elements", where, n)
	}
}

// checkRows compares the grid's rows with want, in order.
func checkRows(t *testing.T, p *browserPage, what string, want []audit.Entry) {
	t.Helper()
	got := p.rowIDs()
	wantIDs := make([]int64, len(want))
	for i, e := range want {
		wantIDs[i] = e.ID
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("%s: rows are\n%v\nwant\n%v", what, got, wantIDs)
	}
}

// checkQuery checks the page's URL parameters, ignoring limit and the
// cursor, which the server chooses.
func checkQuery(t *testing.T, p *browserPage, want map[string]string) {
	t.Helper()
	q := p.location().Query()
	q.Del("limit")
	q.Del("cursor")
	got := map[string]string{}
	for k := range q {
		got[k] = q.Get(k)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("URL %s has parameters %v, want %v", p.relURL(), got, want)
	}
}

func checkAriaSort(t *testing.T, p *browserPage, field, dir string) {
	t.Helper()
	got := evalJS[[]string](p, `Array.from(document.querySelectorAll("#grid th[aria-sort]"), th => th.className + " " + th.getAttribute("aria-sort"))`)
	if want := []string{"col-" + field + " " + dir}; !slices.Equal(got, want) {
		t.Errorf("sorted headers are %q, want %q", got, want)
	}
}

func checkTotal(t *testing.T, p *browserPage, n int, filtered bool) {
	t.Helper()
	want := formatThousands(n) + " entries"
	if filtered {
		want += " match"
	}
	if got := strings.Join(strings.Fields(strings.Join(p.texts("#total"), "")), " "); got != want {
		t.Errorf("total shows %q, want %q", got, want)
	}
}

// sortedBy orders entries as the store does for a sort on the field key
// returns: key, then timestamp, then id, all ascending or all descending.
func sortedBy(entries []audit.Entry, key func(audit.Entry) string, desc bool) []audit.Entry {
	out := slices.Clone(entries)
	slices.SortFunc(out, func(a, b audit.Entry) int {
		c := cmp.Or(strings.Compare(key(a), key(b)), a.Timestamp.Compare(b.Timestamp), cmp.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
	return out
}

func filtered(entries []audit.Entry, keep func(audit.Entry) bool) []audit.Entry {
	var out []audit.Entry
	for _, e := range entries {
		if keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// busiestFailingTaskPrefix returns the first four letters of the first word
// of the tasks that fail most often: a prefix a person would type, and one
// that leaves more than a page of failures.
func busiestFailingTaskPrefix(entries []audit.Entry) string {
	counts := map[string]int{}
	for _, e := range entries {
		if e.Result == audit.ResultFailure {
			counts[strings.Fields(e.Task)[0]]++
		}
	}
	best := ""
	for w, n := range counts {
		if n > counts[best] || n == counts[best] && w < best {
			best = w
		}
	}
	return best[:min(4, len(best))]
}

// localText is how app.js shows tm to a viewer in zone tz.
func localText(t *testing.T, tm time.Time, tz string) string {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	lt := tm.In(loc)
	_, off := lt.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	return fmt.Sprintf("%s UTC%s%02d:%02d", lt.Format("2006-01-02 15:04:05"), sign, off/3600, off%3600/60)
}

func formatThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
