package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/server"
	"github.com/logbookhq/logbook/internal/server/servertest"
)

// The people of the sign-in tests. Passwords follow the rules of the
// access package: at least 12 characters.
const (
	auditorName     = "auditor"
	auditorPassword = "auditor-pass-1234"
	operatorName    = "operator"
	operatorPass    = "operator-pass-5678"
	rootName        = "root"
	rootPassword    = "root-password-9012"
)

// TestBrowserLogin signs in and out through the login form as a person
// does, and checks what a user without the audit log role is shown.
func TestBrowserLogin(t *testing.T) {
	f := servertest.New(t, servertest.Options{})
	createUser(t, f, auditorName, auditorPassword, access.RoleAuditLogAdmin)
	createUser(t, f, operatorName, operatorPass, access.RoleUser)
	seeded := seedEntries(t, f)

	p := newPage(t, newBrowser(t, browserLimit), f.URL, "Etc/UTC")

	// Anonymous viewers are sent to the login page, which brings them back.
	p.open("/audit-logs")
	if got := p.relURL(); got != "/login?next=%2Faudit-logs" {
		t.Errorf("anonymous /audit-logs ends on %s, want /login?next=%%2Faudit-logs", got)
	}
	if n := evalJS[int](p, `document.querySelectorAll("#grid").length`); n != 0 {
		t.Errorf("the login page shows %d grids", n)
	}

	// A wrong password keeps the viewer on the login page with an error.
	loadStatus(p, "sign in with a wrong password", http.StatusUnauthorized, fillLogin(auditorName, "not-the-password-1"))
	if got := p.location().Path; got != "/login" {
		t.Errorf("after a wrong password the page is %s, want /login", got)
	}
	if got := p.texts("#login-error"); len(got) != 1 || !strings.Contains(strings.ToLower(got[0]), "wrong user name or password") {
		t.Errorf("after a wrong password #login-error shows %q", got)
	}
	if evalJS[bool](p, `!!document.getElementById("account-link")`) {
		t.Error("after a wrong password the top bar shows a signed-in user")
	}
	if got := evalJS[string](p, `document.querySelector('input[name="password"]').value`); got != "" {
		t.Error("after a wrong password the password field keeps the password")
	}

	// The right password leads to the page first asked for.
	p.load("sign in as "+auditorName, fillLogin(auditorName, auditorPassword))
	if got := p.relURL(); got != "/audit-logs" {
		t.Errorf("after signing in the page is %s, want /audit-logs", got)
	}
	p.do("grid rows visible", chromedp.WaitVisible(chromedp.CSS(`#grid tbody tr[data-id]`)))
	ids := p.rowIDs()
	for _, e := range seeded {
		if !slices.Contains(ids, e.ID) {
			t.Errorf("the grid rows %v lack seeded entry %d", ids, e.ID)
		}
	}
	if got := p.texts("#account-link"); len(got) != 1 || strings.TrimSpace(got[0]) != auditorName {
		t.Errorf("the top bar names %q, want %q", got, auditorName)
	}
	if got := evalJS[string](p, `document.querySelector('input[name="password"]') ? "password field" : ""`); got != "" {
		t.Error("the audit log page still shows the password field")
	}

	// Log out ends the session on the server, not only in the browser.
	cookie := sessionCookie(t, p)
	p.load("log out", chromedp.Click(chromedp.ID("logout")))
	if got := p.location().Path; got != "/login" {
		t.Errorf("after logging out the page is %s, want /login", got)
	}
	p.open("/audit-logs")
	if got := p.relURL(); got != "/login?next=%2Faudit-logs" {
		t.Errorf("after logging out /audit-logs ends on %s, want the login page", got)
	}
	if cookie != "" {
		checkSessionEnded(t, f.URL, cookie)
	}

	// Keyboard only: focus starts on the user name, Tab reaches the
	// password, Enter submits.
	p.open("/login")
	p.waitFor("autofocus", `document.activeElement && document.activeElement.name === "name"`)
	p.do("type the user name", chromedp.KeyEvent(operatorName))
	p.do("tab to the password", chromedp.KeyEvent(kb.Tab))
	if got := evalJS[string](p, `document.activeElement ? document.activeElement.name || document.activeElement.tagName : ""`); got != "password" {
		t.Fatalf("Tab from the user name field focuses %q, want the password field", got)
	}
	// Signing in from /login goes to /, which sends a user without the
	// audit log role to the Job List (their own jobs).
	p.load("type the password and press Enter", chromedp.KeyEvent(operatorPass+kb.Enter))
	if got := p.location().Path; got != "/jobs" {
		t.Errorf("after signing in as %s the page is %s, want /jobs", operatorName, got)
	}
	p.open("/account")
	if got := p.texts("#account-link"); len(got) != 1 || strings.TrimSpace(got[0]) != operatorName {
		t.Errorf("the top bar names %q, want %q", got, operatorName)
	}
	if got := p.texts("#account-name"); len(got) != 1 || got[0] != operatorName {
		t.Errorf("the account page names %q, want %q", got, operatorName)
	}
	if n := evalJS[int](p, `document.querySelectorAll('header nav a[href="/audit-logs"]').length`); n != 0 {
		t.Errorf("the navigation offers the audit log to a user without the role (%d links)", n)
	}
	p.open("/")
	if got := p.location().Path; got != "/jobs" {
		t.Errorf("/ sends %s to %s, want /jobs", operatorName, got)
	}

	loadStatus(p, "open /audit-logs without the role", http.StatusForbidden, chromedp.Navigate(f.URL+"/audit-logs"))
	if got := p.location().Path; got != "/audit-logs" {
		t.Errorf("the 403 page is at %s, want /audit-logs", got)
	}
	text := evalJS[string](p, `document.body.innerText`)
	if !strings.Contains(strings.ToLower(text), "you need the audit log administrator role") {
		t.Errorf("the 403 page says\n%s\nwant it to name the Audit Log Administrator role", text)
	}
	if evalJS[bool](p, `!!document.getElementById("grid")`) {
		t.Error("the 403 page has a grid")
	}
	html := evalJS[string](p, `document.documentElement.outerHTML`)
	for _, e := range seeded {
		if strings.Contains(html, e.Description) || strings.Contains(html, e.UserName) {
			t.Errorf("the 403 page shows seeded entry %d", e.ID)
		}
	}
}

// TestBrowserAdminPages adds a domain, a user and an API token through the
// administration pages as a Super Administrator, and locks and revokes.
func TestBrowserAdminPages(t *testing.T) {
	f := servertest.New(t, servertest.Options{})
	createUser(t, f, rootName, rootPassword, access.RoleSuperAdmin)

	p := newPage(t, newBrowser(t, browserLimit), f.URL, "Etc/UTC")
	p.do("set viewport", chromedp.EmulateViewport(1440, 900))

	p.open("/admin/domains")
	if got := p.relURL(); got != "/login?next=%2Fadmin%2Fdomains" {
		t.Errorf("anonymous /admin/domains ends on %s, want the login page", got)
	}
	p.screenshot("login.png")
	p.load("sign in as "+rootName, fillLogin(rootName, rootPassword))
	if got := p.location().Path; got != "/admin/domains" {
		t.Fatalf("after signing in the page is %s, want /admin/domains", got)
	}

	// Domains.
	p.do("type the domain", chromedp.SendKeys(chromedp.CSS(`form[action="/admin/domains"] input[name="name"]`), "Global/EMEA"))
	p.load("add the domain", chromedp.Click(chromedp.CSS(`form[action="/admin/domains"] button[type="submit"]`)))
	if got := p.relURL(); got != "/admin/domains" {
		t.Errorf("after adding a domain the page is %s, want /admin/domains", got)
	}
	if got := p.texts("#domains tbody tr td:first-child"); !slices.Contains(got, "Global/EMEA") {
		t.Errorf("the domains table lists %q, want Global/EMEA in it", got)
	}
	if got := p.texts("#form-error"); len(got) != 0 {
		t.Errorf("adding a domain shows the error %q", got)
	}

	// Users.
	const newUser = "emea-auditor"
	p.open("/admin/users")
	p.do("fill in the new user",
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] input[name="name"]`), newUser),
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/users"] input[name="password"]`), "emea-password-3456"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] input[name="roles"][value="audit-log-admin"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] input[name="domains"][value="Global/EMEA"]`)),
	)
	if got := evalJS[[]string](p, `Array.from(document.querySelectorAll('form[action="/admin/users"] input:checked'), i => i.name + "=" + i.value)`); !slices.Equal(got, []string{"roles=audit-log-admin", "domains=Global/EMEA"}) {
		t.Errorf("checked boxes are %q", got)
	}
	p.load("add the user", chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type="submit"]`)))
	if got := p.texts("#form-error"); len(got) != 0 {
		t.Fatalf("adding a user shows the error %q", got)
	}
	row := fmt.Sprintf(`#users tr[data-user=%s]`, jsString(newUser))
	cells := userCells(p, row)
	if len(cells) < 4 || cells[0] != newUser || !strings.Contains(cells[2], "Global/EMEA") || cells[3] != "Active" {
		t.Fatalf("the new user's row shows %q, want %s in Global/EMEA, Active", cells, newUser)
	}
	if !strings.Contains(cells[1], "audit-log-admin") && !strings.Contains(cells[1], "Audit Log Administrator") {
		t.Errorf("the new user's roles show %q, want the Audit Log Administrator role", cells[1])
	}
	p.load("lock the user", chromedp.Click(chromedp.CSS(row+` form[action$="/lock"] button`)))
	if got := userCells(p, row); len(got) < 4 || !strings.HasPrefix(got[3], "Locked") {
		t.Errorf("after Lock the row shows %q, want Locked", got)
	}
	if n := evalJS[int](p, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(row+` form[action$="/unlock"] button`))); n != 1 {
		t.Errorf("a locked user's row has %d Unlock buttons, want 1", n)
	}
	if u := findUser(t, f, newUser); !u.Locked {
		t.Errorf("the store says %s is not locked", newUser)
	}
	p.screenshot("admin-users.png")

	// Tokens.
	const tokenName = "emea-collector"
	p.open("/admin/tokens")
	if n := evalJS[int](p, `document.querySelectorAll("#token-secret").length`); n != 0 {
		t.Errorf("the tokens page shows %d secrets before any token was made", n)
	}
	p.do("fill in the new token",
		chromedp.SendKeys(chromedp.CSS(`form[action="/admin/tokens"] input[name="name"]`), tokenName),
		chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] input[name="scopes"][value="ingest"]`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] input[name="domains"][value="Global"]`)),
	)
	loadStatus(p, "create the token", http.StatusOK, chromedp.Click(chromedp.CSS(`form[action="/admin/tokens"] button[type="submit"]`)))
	secret := evalJS[string](p, `(document.getElementById("token-secret") || {}).textContent || ""`)
	if !strings.HasPrefix(secret, "lbk_") || len(secret) < 20 {
		t.Fatalf("#token-secret shows %q, want a secret starting with lbk_", secret)
	}
	p.do("secret visible", chromedp.WaitVisible(chromedp.ID("token-secret")))
	tok := findToken(t, f, tokenName)
	if !slices.Equal(tok.Scopes, []string{"ingest"}) || !slices.Equal(tok.Domains, []string{audit.RootDomain}) {
		t.Errorf("the stored token has scopes %q and domains %q, want ingest on Global", tok.Scopes, tok.Domains)
	}
	if got := tokenCells(p, tok.ID); len(got) < 7 || got[1] != tokenName || got[2] != "ingest" || got[3] != "Global" || got[6] != "Valid" {
		t.Errorf("the new token's row shows %q", got)
	}
	// The secret works, once: the page shows it and the API accepts it.
	checkIngestToken(t, f.URL, secret)

	// Shown once: reloading the answer (F5) must not show a secret, and
	// must not make another token.
	before := len(listTokens(t, f))
	status := reloadStatus(p)
	p.waitReady("reload")
	secrets := evalJS[[]string](p, `Array.from(document.querySelectorAll("#token-secret"), el => el.textContent)`)
	after := len(listTokens(t, f))
	t.Run("reload shows no secret", func(t *testing.T) {
		if len(secrets) != 0 || after != before {
			t.Fatalf("reloading the page that showed a new token's secret made %d more tokens and showed %d secrets",
				after-before, len(secrets))
		}
		if status != http.StatusOK {
			t.Errorf("reloading answered %d, want 200", status)
		}
	})

	// Opening the page again shows no secret.
	p.open("/admin/tokens")
	if n := evalJS[int](p, `document.querySelectorAll("#token-secret").length`); n != 0 {
		t.Errorf("reopening the tokens page shows %d secrets, want none", n)
	}
	if html := evalJS[string](p, `document.documentElement.outerHTML`); strings.Contains(html, secret) {
		t.Error("reopening the tokens page shows the secret")
	}

	p.load("revoke the token", chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="/admin/tokens/%d/revoke"] button`, tok.ID))))
	if got := tokenCells(p, tok.ID); len(got) < 8 || !strings.HasPrefix(got[6], "Revoked") || strings.Contains(got[7], "Revoke") {
		t.Errorf("after Revoke the row shows %q, want Revoked and no Revoke button", got)
	}
	if tok := findToken(t, f, tokenName); tok.RevokedAt == "" {
		t.Error("the store says the token is not revoked")
	}
}

// createUser adds a user in the Global domain as Logbook itself would.
func createUser(t *testing.T, f *servertest.Fixture, name, password string, role access.Role) {
	t.Helper()
	if _, err := f.Server.Auth.CreateUser(context.Background(), accounts.Actor{}, accounts.NewUser{Name: name, Password: password,
		Roles: []string{string(role)}, Domains: []string{audit.RootDomain}}); err != nil {
		t.Fatalf("error creating user %s: %v", name, err)
	}
}

// seedEntries stores a few audit log entries with texts no page shows by
// accident, and returns them as stored.
func seedEntries(t *testing.T, f *servertest.Fixture) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	var entries []audit.Entry
	for i, task := range []string{"Reboot Device", "Deploy Device Image", "Apply CLI Configlet"} {
		ts := time.Now().UTC().Add(-time.Duration(i+1) * time.Hour).Format(time.RFC3339Nano)
		e, errs := audit.Validate(audit.Input{
			Timestamp:   &ts,
			UserName:    fmt.Sprintf("seeded-user-%d", i),
			UserIP:      "192.0.2.10",
			Domain:      audit.RootDomain,
			Application: "Network Management Platform",
			Workspace:   "Device Management",
			Task:        task,
			Result:      string(audit.ResultSuccess),
			Description: fmt.Sprintf("Seeded entry %d: %s on mx-seed-%02d", i, task, i),
		}, time.Now())
		if len(errs) > 0 {
			t.Fatalf("seed entry %d is invalid: %v", i, errs)
		}
		e.Source = "test"
		entries = append(entries, e)
	}
	ids, err := f.Store.Append(ctx, entries)
	if err != nil {
		t.Fatalf("error seeding the store: %v", err)
	}
	for i, id := range ids {
		entries[i].ID = id
	}
	return entries
}

// fillLogin fills in the login form and presses its button.
func fillLogin(name, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		// After a failed sign-in the form keeps the name; start afresh.
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('input[name="name"]').value = ""; })()`),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.ID("sign-in")),
	)
}

// loadStatus is load for steps whose page answers with status instead of
// 200 OK.
func loadStatus(p *browserPage, what string, status int, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil || resp.Status != int64(status) {
		got := "no response"
		if resp != nil {
			got = fmt.Sprintf("%s answered %d", resp.URL, resp.Status)
		}
		p.t.Fatalf("%s: %s, want %d", what, got, status)
	}
	p.waitReady(what)
}

// sessionCookie returns the value of the browser's session cookie, or ""
// when it has none.
func sessionCookie(t *testing.T, p *browserPage) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	var cookies []*network.Cookie
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base}})
		cookies = res.Cookies
		return err
	}))
	if err != nil {
		t.Fatalf("error reading cookies: %v", err)
	}
	for _, c := range cookies {
		if c.Name == server.SessionCookie {
			if !c.HTTPOnly {
				t.Error("the session cookie is readable by scripts (not HttpOnly)")
			}
			return c.Value
		}
	}
	t.Errorf("after signing in the browser has no %s cookie", server.SessionCookie)
	return ""
}

// checkSessionEnded checks that the server no longer honours an old
// session cookie.
func checkSessionEnded(t *testing.T, base, cookie string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/audit-logs", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: cookie})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("the session cookie of before the logout still gets %d (Location %q), want a redirect to /login", resp.StatusCode, loc)
	}
}

// checkIngestToken checks that secret is a working ingest token.
func checkIngestToken(t *testing.T, base, secret string) {
	t.Helper()
	body := `{"user_name":"token-check","user_ip":"192.0.2.99","domain":"Global","application":"Logbook","workspace":"Tests",` +
		`"task":"Check Token","result":"Success","description":"The token made in the browser works."}`
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/audit-logs", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Errorf("ingesting with the new token answered %d", resp.StatusCode)
	}
}

// userCells returns the trimmed text of each cell of the row sel.
func userCells(p *browserPage, sel string) []string {
	p.t.Helper()
	return evalJS[[]string](p, fmt.Sprintf(`(() => {
		const tr = document.querySelector(%s);
		return tr ? Array.from(tr.cells, c => c.textContent.trim().replace(/\s+/g, " ")) : [];
	})()`, jsString(sel)))
}

// tokenCells returns the cells of the tokens table's row of token id.
func tokenCells(p *browserPage, id int64) []string {
	p.t.Helper()
	return evalJS[[]string](p, fmt.Sprintf(`(() => {
		const tr = Array.from(document.querySelectorAll("#tokens tbody tr")).find(tr => tr.cells[0].textContent.trim() === "%d");
		return tr ? Array.from(tr.cells, c => c.textContent.trim().replace(/\s+/g, " ")) : [];
	})()`, id))
}

func findUser(t *testing.T, f *servertest.Fixture, name string) accounts.UserView {
	t.Helper()
	us, err := f.Server.Auth.ListUsers(context.Background(), accounts.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.Name == name {
			return u
		}
	}
	t.Fatalf("no user %s is stored", name)
	return accounts.UserView{}
}

// reloadStatus reloads the page as F5 does and returns the status of
// the answer.
func reloadStatus(p *browserPage) int {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Reload())
	if err != nil {
		p.t.Fatalf("reload: %v", err)
	}
	if resp == nil {
		p.t.Fatal("reload: no answer")
	}
	return int(resp.Status)
}

func listTokens(t *testing.T, f *servertest.Fixture) []accounts.TokenView {
	t.Helper()
	ts, err := f.Server.Auth.ListTokens(context.Background(), accounts.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func findToken(t *testing.T, f *servertest.Fixture, name string) accounts.TokenView {
	t.Helper()
	for _, tok := range listTokens(t, f) {
		if tok.Name == name {
			return tok
		}
	}
	t.Fatalf("no token %s is stored", name)
	return accounts.TokenView{}
}
