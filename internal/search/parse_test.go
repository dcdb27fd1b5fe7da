package search

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST cases must not depend on the machine's zoneinfo

	"github.com/google/go-cmp/cmp"
)

// now is the reference time of every test.
var now = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func text(s string) Value   { return Value{Text: s} }
func prefix(s string) Value { return Value{Text: s, Prefix: true} }
func num(n int64) Value     { return Value{Text: fmt.Sprint(n), Num: n} }
func at(s string, t time.Time) Value {
	return Value{Text: s, Time: t.UTC()}
}
func cidr(s string) Value {
	p := netip.MustParsePrefix(s)
	return Value{Text: p.String(), Prefix4CIDR: p}
}
func object(typ, name string) Value {
	v := Value{Text: typ + ":" + name}
	v.Object.Type, v.Object.Name = typ, name
	return v
}
func term(f Field, vs ...Value) Term { return Term{Field: f, Values: vs} }
func not(t Term) Term                { t.Negate = true; return t }
func terms(ts ...Term) Query         { return Query{Terms: ts} }
func utc(s string) time.Time         { t, _ := time.Parse(time.RFC3339Nano, s); return t.UTC() }
func words(ws ...Word) Query         { return Query{Words: ws} }
func word(s string) Word             { return Word{Text: s} }
func phrase(s string) Word           { return Word{Text: s, Phrase: true} }
func notWord(w Word) Word            { w.Negate = true; return w }
func dump(q Query) string            { return fmt.Sprintf("%#v", q) }
func parse(q string) (Query, error)  { return Parse(q, now, nil) }
func repeat(s string, n int) string  { return strings.TrimSpace(strings.Repeat(s+" ", n)) }
func values(s string, n int) string  { return strings.TrimSuffix(strings.Repeat(s+",", n), ",") }

// queryDiff describes how got differs from want (-want +got), or is ""
// when they are equal: network prefixes compared as values, times as the
// same instant in the same zone.
func queryDiff(want, got Query) string {
	return cmp.Diff(want, got,
		cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }))
}

func TestParseExample(t *testing.T) {
	q := `user:super task:"Apply CLI Configlet" result:Failure,Job\ Scheduled ip:172.16.0.0/16 ` +
		`after:2026-11-01 before:"2026-11-02 10:00" object:Device:mx960-1 -domain:Global/Lab ntp`
	berlin := mustZone(t, "Europe/Berlin")
	got, err := Parse(q, now, berlin)
	if err != nil {
		t.Fatal(err)
	}
	want := Query{
		Terms: []Term{
			term(FieldUserName, text("super")),
			term(FieldTask, text("Apply CLI Configlet")),
			term(FieldResult, text("Failure"), text("Job Scheduled")),
			term(FieldUserIP, cidr("172.16.0.0/16")),
			term(FieldAfter, at("2026-11-01", utc("2026-10-31T23:00:00Z"))),
			term(FieldBefore, at("2026-11-02 10:00", utc("2026-11-02T09:00:00Z"))),
			term(FieldObject, object("Device", "mx960-1")),
			not(term(FieldDomain, text("Global/Lab"))),
		},
		Words: []Word{word("ntp")},
	}
	if d := queryDiff(want, got); d != "" {
		t.Fatalf("Parse (-want +got):\n%s", d)
	}
	const canonical = `user:super task:"Apply CLI Configlet" result:Failure,"Job Scheduled" ip:172.16.0.0/16 ` +
		`after:2026-11-01 before:"2026-11-02 10:00" object:Device:mx960-1 -domain:Global/Lab ntp`
	if s := got.String(); s != canonical {
		t.Errorf("String:\n got %s\nwant %s", s, canonical)
	}
	if again, err := Parse(got.String(), now, berlin); err != nil {
		t.Errorf("round trip: %v", err)
	} else if d := queryDiff(got, again); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, q string
		want    Query
	}{
		{"empty", "", Query{}},
		{"only spaces", " \t\n ", Query{}},

		// Fields, aliases, case.
		{"user", "user:super", terms(term(FieldUserName, text("super")))},
		{"user_name alias", "user_name:super", terms(term(FieldUserName, text("super")))},
		{"field name case", "USER:Super", terms(term(FieldUserName, text("Super")))},
		{"ip", "ip:10.0.0.1", terms(term(FieldUserIP, text("10.0.0.1")))},
		{"user_ip alias", "user_ip:10.0.0.1", terms(term(FieldUserIP, text("10.0.0.1")))},
		{"domain", "domain:Global/EMEA", terms(term(FieldDomain, text("Global/EMEA")))},
		{"application", "application:REST", terms(term(FieldApplication, text("REST")))},
		{"app alias", "app:REST", terms(term(FieldApplication, text("REST")))},
		{"workspace", "workspace:Devices", terms(term(FieldWorkspace, text("Devices")))},
		{"task", "task:Login", terms(term(FieldTask, text("Login")))},
		{"source", "source:demo", terms(term(FieldSource, text("demo")))},
		{"job", "job:42", terms(term(FieldJobID, num(42)))},
		{"job_id alias", "job_id:42", terms(term(FieldJobID, num(42)))},
		{"job leading zeros", "job:0042", terms(term(FieldJobID, num(42)))},
		{"job max int64", "job:9223372036854775807", terms(term(FieldJobID, num(9223372036854775807)))},
		{"id", "id:7", terms(term(FieldID, num(7)))},
		{"id list", "id:7,8", terms(term(FieldID, num(7), num(8)))},
		{"object", "object:Device:mx960-1", terms(term(FieldObject, object("Device", "mx960-1")))},
		{"object name with colons", "object:Address:fe80::1", terms(term(FieldObject, object("Address", "fe80::1")))},
		{"object quoted name", `object:Configlet:"Set NTP"`, terms(term(FieldObject, object("Configlet", "Set NTP")))},
		{"object list", "object:Device:a,Configlet:b", terms(term(FieldObject, object("Device", "a"), object("Configlet", "b")))},
		{"value holds a colon", "task:a:b", terms(term(FieldTask, text("a:b")))},
		{"value starts with minus", "user:-x", terms(term(FieldUserName, text("-x")))},

		// Results.
		{"result", "result:Success", terms(term(FieldResult, text("Success")))},
		{"result case", "result:failure", terms(term(FieldResult, text("Failure")))},
		{"result escaped space", `result:job\ scheduled`, terms(term(FieldResult, text("Job Scheduled")))},
		{"result quoted", `result:"RECURRING JOB SCHEDULED"`, terms(term(FieldResult, text("Recurring Job Scheduled")))},
		{"result list", "result:Failure,Success", terms(term(FieldResult, text("Failure"), text("Success")))},

		// Quoting and escapes.
		{"quoted", `task:"Apply CLI Configlet"`, terms(term(FieldTask, text("Apply CLI Configlet")))},
		{"quoted escapes", `task:"say \"hi\" \\ bye"`, terms(term(FieldTask, text(`say "hi" \ bye`)))},
		{"quoted comma is literal", `task:"a,b"`, terms(term(FieldTask, text("a,b")))},
		{"escaped comma is literal", `task:a\,b`, terms(term(FieldTask, text("a,b")))},
		{"escaped space", `task:Apply\ CLI\ Configlet`, terms(term(FieldTask, text("Apply CLI Configlet")))},
		{"escaped quote and backslash", `task:a\"b\\c`, terms(term(FieldTask, text(`a"b\c`)))},
		{"concatenated", `object:Configlet:"Set NTP"s`, terms(term(FieldObject, object("Configlet", "Set NTPs")))},
		{"empty quoted", `workspace:""`, terms(term(FieldWorkspace, text("")))},
		{"unicode", `user:jürgen task:"日本 語"`, terms(term(FieldUserName, text("jürgen")), term(FieldTask, text("日本 語")))},
		{"unicode space separates", "user:a\u3000task:b", terms(term(FieldUserName, text("a")), term(FieldTask, text("b")))},
		{"tab inside quotes", "task:\"a\tb\"", terms(term(FieldTask, text("a\tb")))},

		// Prefixes.
		{"prefix", "user:net*", terms(term(FieldUserName, prefix("net")))},
		{"quoted prefix", `task:"Apply CLI"*`, terms(term(FieldTask, prefix("Apply CLI")))},
		{"quoted star is literal", `task:"net*"`, terms(term(FieldTask, text("net*")))},
		{"escaped star is literal", `task:net\*`, terms(term(FieldTask, text("net*")))},
		{"star inside is literal", `task:a*b`, terms(term(FieldTask, text("a*b")))},
		{"double star", `task:a**`, terms(term(FieldTask, prefix("a*")))},
		{"prefix in a list", "user:net*,admin", terms(term(FieldUserName, prefix("net"), text("admin")))},
		{"ip prefix", "ip:172.16.*", terms(term(FieldUserIP, prefix("172.16.")))},
		{"ip v6 prefix lowercased", "ip:FE80:*", terms(term(FieldUserIP, prefix("fe80:")))},

		// Addresses.
		{"ip cidr", "ip:172.16.0.0/16", terms(term(FieldUserIP, cidr("172.16.0.0/16")))},
		{"ip cidr masked", "ip:172.16.9.9/16", terms(term(FieldUserIP, cidr("172.16.0.0/16")))},
		{"ip v6", "ip:2001:DB8::1", terms(term(FieldUserIP, text("2001:db8::1")))},
		{"ip v6 cidr", "ip:2001:db8::/32", terms(term(FieldUserIP, cidr("2001:db8::/32")))},
		{"ip mapped", "ip:::ffff:10.1.2.3", terms(term(FieldUserIP, text("10.1.2.3")))},
		{"ip mapped cidr", "ip:::ffff:10.1.2.3/104", terms(term(FieldUserIP, cidr("10.0.0.0/8")))},
		{"ip single zero group", "ip:1::2:3:4:5:6:7", terms(term(FieldUserIP, text("1:0:2:3:4:5:6:7")))},
		{"ip list", "ip:10.0.0.1,10.1.0.0/16", terms(term(FieldUserIP, text("10.0.0.1"), cidr("10.1.0.0/16")))},

		// Times, in UTC (the API's default zone).
		{"after date", "after:2026-11-01", terms(term(FieldAfter, at("2026-11-01", utc("2026-11-01T00:00:00Z"))))},
		{"before date time", `before:"2026-11-02 10:00"`, terms(term(FieldBefore, at("2026-11-02 10:00", utc("2026-11-02T10:00:00Z"))))},
		{"seconds", `before:"2026-11-02 10:00:30.5"`, terms(term(FieldBefore, at("2026-11-02 10:00:30.5", utc("2026-11-02T10:00:30.5Z"))))},
		{"T without zone", `before:2026-11-02T10:00`, terms(term(FieldBefore, at("2026-11-02T10:00", utc("2026-11-02T10:00:00Z"))))},
		{"rfc3339", "after:2026-11-01T10:00:00+02:00", terms(term(FieldAfter, at("2026-11-01T10:00:00+02:00", utc("2026-11-01T08:00:00Z"))))},
		{"rfc3339 nano", "after:2026-11-01T10:00:00.123456789Z", terms(term(FieldAfter, at("2026-11-01T10:00:00.123456789Z", utc("2026-11-01T10:00:00.123456789Z"))))},
		{"relative hours", "after:-24h", terms(term(FieldAfter, at("-24h", now.Add(-24*time.Hour))))},
		{"relative minutes", "after:-30m", terms(term(FieldAfter, at("-30m", now.Add(-30*time.Minute))))},
		{"relative seconds", "after:-90s", terms(term(FieldAfter, at("-90s", now.Add(-90*time.Second))))},
		{"relative days", "after:-7d", terms(term(FieldAfter, at("-7d", now.AddDate(0, 0, -7))))},
		{"relative weeks", "after:-2w", terms(term(FieldAfter, at("-2w", now.AddDate(0, 0, -14))))},
		{"negated after", "-after:-1h", terms(not(term(FieldAfter, at("-1h", now.Add(-time.Hour)))))},

		// Negation and words.
		{"negated field", "-domain:Global/Lab", terms(not(term(FieldDomain, text("Global/Lab"))))},
		{"word", "ntp", words(word("ntp"))},
		{"words", "ntp  server", words(word("ntp"), word("server"))},
		{"negated word", "-login", words(notWord(word("login")))},
		{"phrase", `"set system ntp"`, words(phrase("set system ntp"))},
		{"quoted single word is a phrase", `"ntp"`, words(phrase("ntp"))},
		{"escaped space is a phrase", `set\ system`, words(phrase("set system"))},
		{"negated phrase", `-"commit confirmed"`, words(notWord(phrase("commit confirmed")))},
		{"double minus", "--x", words(notWord(word("-x")))},
		{"escaped minus", `\-x`, words(word("-x"))},
		{"minus inside", "a-b", words(word("a-b"))},
		{"word star is text", "net*", words(word("net*"))},
		{"word comma is text", "a,b", words(word("a,b"))},
		{"time is a word", "10:00", words(word("10:00"))},
		{"ipv6 is a word", "fe80::1", words(word("fe80::1"))},
		{"quoted field is a phrase", `"user:super"`, words(phrase("user:super"))},
		{"escaped colon is a word", `user\:super`, words(word("user:super"))},
		{"field and words", "ntp user:super -login", Query{
			Terms: []Term{term(FieldUserName, text("super"))},
			Words: []Word{word("ntp"), notWord(word("login"))},
		}},
		{"same field twice", "user:a user:b", terms(term(FieldUserName, text("a")), term(FieldUserName, text("b")))},

		// Limits, at the limit.
		{"50 terms", repeat("a", 50), words(repeatWords(word("a"), 50)...)},
		{"50 values", "id:" + values("1", 50), terms(term(FieldID, repeatValues(num(1), 50)...))},
		{"2000 bytes", strings.Repeat("a", 2000), words(word(strings.Repeat("a", 2000)))},
		{"128-byte user", "user:" + strings.Repeat("u", 128), terms(term(FieldUserName, text(strings.Repeat("u", 128))))},
		{"16 words in a term", strings.Repeat("x*", 15) + "x", words(word(strings.Repeat("x*", 15) + "x"))},
		{"64 words", repeat(`"a b c d e f g h i j k l m n o p"`, 4), words(repeatWords(phrase("a b c d e f g h i j k l m n o p"), 4)...)},
		{"200 values", repeat("id:"+values("1", 50), 4), terms(repeatTerms(term(FieldID, repeatValues(num(1), 50)...), 4)...)},
		{"256 network prefixes", "ip:10.0.0.0/9 -ip:10.128.0.0/10,10.192.0.0/10", terms(
			term(FieldUserIP, cidr("10.0.0.0/9")), not(term(FieldUserIP, cidr("10.128.0.0/10"), cidr("10.192.0.0/10"))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.q)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.q, err)
			}
			if d := queryDiff(tt.want, got); d != "" {
				t.Fatalf("Parse(%q) (-want +got):\n%s", tt.q, d)
			}
			checkRoundTrip(t, got, now, nil)
		})
	}
}

func repeatWords(w Word, n int) []Word {
	out := make([]Word, n)
	for i := range out {
		out[i] = w
	}
	return out
}

func repeatTerms(t Term, n int) []Term {
	out := make([]Term, n)
	for i := range out {
		out[i] = t
	}
	return out
}

func repeatValues(v Value, n int) []Value {
	out := make([]Value, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// checkRoundTrip checks that both printed forms of q read back to q.
func checkRoundTrip(t *testing.T, q Query, now time.Time, loc *time.Location) {
	t.Helper()
	for _, s := range []string{q.String(), q.format(true)} {
		again, err := Parse(s, now, loc)
		if err != nil {
			t.Fatalf("Parse(%q) of the printed query: %v", s, err)
		}
		if d := queryDiff(q, again); d != "" {
			t.Fatalf("round trip through %q (-want +got):\n%s", s, d)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, q string
		pos     int
		msg     string
	}{
		{"missing value", "ntp user:", 9, `expected a value after "user:"`},
		{"missing value before space", "user: x", 5, `expected a value after "user:"`},
		{"missing value before comma", "user:,x", 5, `expected a value after "user:"`},
		{"missing value as typed", "USER_NAME:", 10, `expected a value after "USER_NAME:"`},
		{"trailing comma", "result:Failure,", 15, `expected a value after ","`},
		{"double comma", "result:Failure,,Success", 15, `expected a value after ","`},
		{"unknown field", "ntp foo:bar", 4, `unknown field "foo": expected user (user_name), ip (user_ip), domain, ` +
			`application (app), workspace, task, result, job (job_id), object, id, after, before or source`},
		{"unknown negated field", "-http://x", 1, `unknown field "http": expected user (user_name), ip (user_ip), domain, ` +
			`application (app), workspace, task, result, job (job_id), object, id, after, before or source`},
		{"lone minus", "a - b", 3, `expected a word or field term after "-"`},
		{"minus at end", "a -", 3, `expected a word or field term after "-"`},
		{"unterminated quote", `task:"Apply CLI`, 15, `expected a closing " for the quote at 5`},
		{"unterminated quote after escape", `task:"a\"`, 9, `expected a closing " for the quote at 5`},
		{"unterminated word quote", `x "a b`, 6, `expected a closing " for the quote at 2`},
		{"backslash at end", `task:a\`, 7, `expected a character after "\"`},
		{"empty phrase", `a ""`, 2, "expected a word or phrase, not only white space"},
		{"blank phrase", `" "`, 0, "expected a word or phrase, not only white space"},
		{"bad result", "result:Failure,Oops", 15, `expected a result (Success, Failure, Job Scheduled or Recurring Job Scheduled), not "Oops"`},
		{"result prefix", "result:Fail*", 7, `expected a whole value for "result:": only text fields and ip take a * prefix (quote a literal *)`},
		{"job prefix", "job:4*", 4, `expected a whole value for "job:": only text fields and ip take a * prefix (quote a literal *)`},
		{"object prefix", "object:Device:mx*", 7, `expected a whole value for "object:": only text fields and ip take a * prefix (quote a literal *)`},
		{"empty prefix", "user:*", 5, `expected text before "*"`},
		{"job zero", "job:0", 4, `expected a positive integer for "job:", not "0"`},
		{"job negative", "job:-3", 4, `expected a positive integer for "job:", not "-3"`},
		{"job plus", "job:+3", 4, `expected a positive integer for "job:", not "+3"`},
		{"job text", "job_id:abc", 7, `expected a positive integer for "job_id:", not "abc"`},
		{"job overflow", "job:9223372036854775808", 4, `expected a positive integer for "job:", not "9223372036854775808"`},
		{"id in list", "id:1,x", 5, `expected a positive integer for "id:", not "x"`},
		{"object without type", "object:mx960", 7, `expected TYPE:NAME such as Device:mx960-1 for "object:", not "mx960"`},
		{"object empty name", "object:Device:", 7, `expected TYPE:NAME such as Device:mx960-1 for "object:", not "Device:"`},
		{"object empty type", "object::x", 7, `expected TYPE:NAME such as Device:mx960-1 for "object:", not ":x"`},
		{"object name too long", "object:D:" + strings.Repeat("n", 256), 7, "expected an object type of at most 128 bytes and a name of at most 255"},
		{"user too long", "user:" + strings.Repeat("u", 129), 5, `expected at most 128 bytes for "user:"`},
		{"domain too long", "domain:" + strings.Repeat("d", 513), 7, `expected at most 512 bytes for "domain:"`},
		{"bad ip", "ip:300.1.1.1", 3, `expected an IP address, a CIDR prefix such as 172.16.0.0/16 or the start of an address such as 172.16.*, not "300.1.1.1"`},
		{"bad cidr", "ip:10.0.0.0/33", 3, `expected an IP address, a CIDR prefix such as 172.16.0.0/16 or the start of an address such as 172.16.*, not "10.0.0.0/33"`},
		{"ip zone", "ip:fe80::1%eth0", 3, `expected an IP address, a CIDR prefix such as 172.16.0.0/16 or the start of an address such as 172.16.*, not "fe80::1%eth0"`},
		{"bad ip prefix", "ip:host*", 3, `expected an IP address, a CIDR prefix such as 172.16.0.0/16 or the start of an address such as 172.16.*, not "host*"`},
		{"bad time", "after:yesterday", 6, `expected a time such as 2026-11-01, "2026-11-02 10:00", 2026-11-02T10:00:00Z or -24h, not "yesterday"`},
		{"bad date", "after:2026-02-30", 6, `expected a time such as 2026-11-01, "2026-11-02 10:00", 2026-11-02T10:00:00Z or -24h, not "2026-02-30"`},
		{"bad relative unit", "after:-3y", 6, `expected a time such as 2026-11-01, "2026-11-02 10:00", 2026-11-02T10:00:00Z or -24h, not "-3y" ` +
			`(a relative time is a minus, up to 6 digits and one of s, m, h, d, w)`},
		{"relative too long", "after:-1000000h", 6, `expected a time such as 2026-11-01, "2026-11-02 10:00", 2026-11-02T10:00:00Z or -24h, not "-1000000h" ` +
			`(a relative time is a minus, up to 6 digits and one of s, m, h, d, w)`},
		{"relative out of range", "after:-999999w", 6, "expected a time between the years 1 and 9999"},
		{"rfc3339 out of range", "after:0001-01-01T00:00:00+01:00", 6, "expected a time between the years 1 and 9999"},
		{"time list", "after:2026-11-01,2026-11-02", 16, `expected one time for "after:", not a list`},
		{"time prefix", "before:2026*", 7, `expected a whole value for "before:": only text fields and ip take a * prefix (quote a literal *)`},
		{"too long", strings.Repeat("a", 2001), 2000, "expected at most 2000 bytes of query, not 2001"},
		{"too many terms", repeat("a", 51), 100, "expected at most 50 terms"},
		{"too many values", "result:" + values("Success", 51), 7 + 50*8, `expected at most 50 values for "result:"`},
		{"too many words in a term", strings.Repeat("x*q=", 500), 0,
			"expected at most 16 words in one term; this one has 1000 (a word is a run of letters or digits)"},
		{"too many words in a negated phrase", `ntp -"a b c d e f g h i j k l m n o p q"`, 5,
			"expected at most 16 words in one term; this one has 17 (a word is a run of letters or digits)"},
		{"too many words", repeat("a-b-c-d-e-f-g-h", 9), 8 * 16,
			"expected at most 64 words in all terms together; this term brings them to 72"},
		{"too many values", repeat("id:"+values("1", 50), 5), 4 * 103,
			"expected at most 200 values in all field terms together; this term brings them to 250"},
		{"too many network prefixes", "ip:10.0.0.0/9,11.0.0.0/8 -ip:12.0.0.0/17", 26,
			"expected IPv4 networks that make at most 256 address prefixes together; this term brings them to 257 " +
				"(a network on a /8, /16 or /24 boundary makes one, 10.0.0.0/9 makes 128)"},
		{"invalid utf-8", "user:a\xffb", 6, "expected UTF-8 text"},
		{"control character", "user:a\x00", 6, "expected printable text, not the control character U+0000"},
		{"escape character", "\x1b[31m", 0, "expected printable text, not the control character U+001B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parse(tt.q)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) = %s, %v; want a *SyntaxError", tt.q, dump(q), err)
			}
			if se.Pos != tt.pos || se.Msg != tt.msg {
				t.Errorf("Parse(%q):\n got at %d: %s\nwant at %d: %s", tt.q, se.Pos, se.Msg, tt.pos, tt.msg)
			}
			if want := fmt.Sprintf("at %d: %s", tt.pos, tt.msg); err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

// TestNetworkPrefixes checks the count of prefixes an IPv4 network
// compiles to at every length.
func TestNetworkPrefixes(t *testing.T) {
	for bits, want := range map[int]int{0: 1, 1: 128, 7: 2, 8: 1, 9: 128, 15: 2, 16: 1, 23: 2, 24: 1, 25: 128, 31: 2, 32: 1} {
		p := netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), bits).Masked()
		if got := NetworkPrefixes(p); got != want {
			t.Errorf("NetworkPrefixes(%s) = %d, want %d", p, got, want)
		}
	}
	if got := NetworkPrefixes(netip.MustParsePrefix("2001:db8::/33")); got != 1 {
		t.Errorf("NetworkPrefixes of an IPv6 network = %d, want 1", got)
	}
}

func TestFields(t *testing.T) {
	want := []string{"user", "user_name", "ip", "user_ip", "domain", "application", "app", "workspace",
		"task", "result", "job", "job_id", "object", "id", "after", "before", "source"}
	got := Fields()
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("Fields() (-want +got):\n%s", d)
	}
	got[0] = "changed"
	if Fields()[0] != "user" {
		t.Error("Fields shares its slice with callers")
	}
	for _, name := range want {
		if _, err := parse(name + ":1"); err != nil && strings.Contains(err.Error(), "unknown field") {
			t.Errorf("Fields lists %q, which Parse does not know", name)
		}
	}
}
