package query

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// now is the injected clock of every test: parsing never reads the time.
var now = time.Date(2026, 11, 25, 22, 15, 30, 123456789, time.UTC)

func values(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fieldOf is the parameter a refusal names, "" for none.
func fieldOf(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestParseRefusesNamingTheParameter(t *testing.T) {
	for _, tc := range []struct{ query, field string }{
		{"colour=red", "colour"},
		{"result=Maybe", "result"},
		{"job_id=x", "job_id"},
		{"job_id=0", "job_id"},
		{"after_id=-1", "after_id"},
		{"object=nocolon", "object"},
		{"from=yesterday", "from"},
		{"to=2026-13-01T00:00:00Z", "to"},
		{"sort=nope", "sort"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"cursor=zzz", "cursor"},
		{"q=" + url.QueryEscape("user:super task:"), "q"},
		{"task=" + strings.Repeat("x", audit.MaxDomainLen+1), "task"},
		{"user_name=" + strings.TrimSuffix(strings.Repeat("a&user_name=", 51), "&user_name="), "user_name"},
	} {
		t.Run(tc.query[:min(len(tc.query), 40)], func(t *testing.T) {
			_, err := Parse(values(t, tc.query), now)
			if got := fieldOf(err); got != tc.field {
				t.Errorf("Parse(%s) = %v, want a refusal of %s", tc.query, err, tc.field)
			}
		})
	}
}

func TestParse(t *testing.T) {
	q, err := Parse(values(t, "user_name=ann*&user_name=bob&result=Success,Failure&job_id=7,8&object=Device:mx960-1"+
		"&from=2026-11-01T00:00:00Z&sort=-user_name&limit=25&after_id=3"), now)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Query{Limit: 25, Sort: store.Sort{Field: store.SortUserName, Desc: true}, Filter: store.Filter{
		UserName: []store.Match{{Value: "ann", Prefix: true}, {Value: "bob"}},
		Result:   []store.Match{{Value: "Success"}, {Value: "Failure"}},
		JobID:    []int64{7, 8}, Object: []store.ObjectRef{{Type: "Device", Name: "mx960-1"}},
		From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), AfterID: 3}}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", q, want)
	}
	if q, _ := Parse(url.Values{}, now); q.Limit != DefaultLimit || q.Sort != store.DefaultSort {
		t.Errorf("defaults: %+v", q)
	}
}

// TestParseUsesTheInjectedClock: a relative search is anchored at the
// caller's now, not the machine's.
func TestParseUsesTheInjectedClock(t *testing.T) {
	q, err := Parse(values(t, "q="+url.QueryEscape("after:-1h")), now)
	if err != nil {
		t.Fatal(err)
	}
	got := q.Filter.Search.Terms[0].Values[0].Time
	if want := now.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("after:-1h at %s is %s, want %s", now, got, want)
	}
}

func TestSyntaxErrorHasItsPosition(t *testing.T) {
	_, err := Parse(values(t, "q="+url.QueryEscape("user:super task:")), now)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Pos == nil || *fe.Pos != len("user:super task:") || !strings.HasPrefix(fe.Error(), "q: at ") {
		t.Fatalf("err = %#v", err)
	}
}

// TestBadCursorIsRecognisedByItsCause: callers tell a damaged page link
// from other refusals without comparing field names.
func TestBadCursorIsRecognisedByItsCause(t *testing.T) {
	page := store.CursorAt(store.DefaultSort, &audit.Entry{ID: 4, Timestamp: now}, false).Encode()
	for _, tc := range []struct {
		query string
		bad   bool
	}{
		{"cursor=zzz", true},
		{"cursor=" + page + "&sort=user_name", true}, // made for another sort
		{"cursor=" + page, false},
		{"result=Maybe", false},
	} {
		_, err := Parse(values(t, tc.query), now)
		if IsBadCursor(err) != tc.bad || !errors.Is(err, store.ErrInvalidCursor) == tc.bad {
			t.Errorf("%s: IsBadCursor(%v) = %v, want %v", tc.query, err, IsBadCursor(err), tc.bad)
		}
	}
	if _, err := ParseJobs(values(t, "cursor=zzz")); !IsBadCursor(err) || fieldOf(err) != "cursor" {
		t.Errorf("ParseJobs with a damaged cursor: %v", err)
	}
}

func TestParseGrid(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		want        store.Filter
	}{
		{"text filters match by prefix", "user_name=ann&task=Log*", store.Filter{
			UserName: []store.Match{{Value: "ann", Prefix: true}}, Task: []store.Match{{Value: "Log", Prefix: true}}}},
		{"quotes match exactly", `domain="Global"&workspace="De*"`, store.Filter{
			Domain: []store.Match{{Value: "Global"}}, Workspace: []store.Match{{Value: "De", Prefix: true}}}},
		{"application and result are exact", "application=REST&result=Failure", store.Filter{
			Application: []store.Match{{Value: "REST"}}, Result: []store.Match{{Value: "Failure"}}}},
		{"empty fields are no filters", "q=&user_name=&object=&colour=&from=&p=3&range=&id=", store.Filter{}},
		{"a quick range replaces from and to", "range=24h&from=junk&to=junk", store.Filter{
			From: time.Date(2026, 11, 24, 22, 15, 30, 0, time.UTC)}},
		{"the id column", "id=42", store.Filter{ID: 42}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseGrid(values(t, tc.query), now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(q.Filter, tc.want) {
				t.Errorf("filter =\n%+v\nwant\n%+v", q.Filter, tc.want)
			}
		})
	}
	for query, field := range map[string]string{"range=2y": "range", "id=x": "id", "colour=red": "colour", "p=2&cursor=zzz": "cursor"} {
		if _, err := ParseGrid(values(t, query), now); fieldOf(err) != field {
			t.Errorf("ParseGrid(%s) = %v, want a refusal of %s", query, err, field)
		}
	}
	if _, err := ParseGrid(values(t, "range=2y"), now); err.Error() != "range: must be one of 1h, 24h, 7d, 30d" {
		t.Errorf("range refusal reads %q", err)
	}
}

// TestValuesReadBack: the API parameters of a parsed grid select, order
// and page alike, so that the grid's export link exports its view.
func TestValuesReadBack(t *testing.T) {
	grid, err := ParseGrid(values(t, `user_name=ann&task="Login"&result=Failure&job_id=7&object=Device:mx960-1&range=7d`+
		`&q=`+url.QueryEscape(`ntp after:-24h`)+`&sort=user_name&limit=25`), now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(Values(grid), now)
	if err != nil {
		t.Fatalf("Parse(%s): %v", Values(grid).Encode(), err)
	}
	if !reflect.DeepEqual(again, grid) {
		t.Errorf("read back\n%+v\nwant\n%+v", again, grid)
	}
	byID, _ := ParseGrid(values(t, "id=42"), now)
	v := Values(byID)
	if v.Get("q") != "id:42" {
		t.Errorf("the id filter is written as %v, want q=id:42", v)
	}
	if q, err := Parse(v, now); err != nil || q.Filter.Search == nil || q.Filter.Search.Terms[0].Values[0].Num != 42 {
		t.Errorf("the id filter reads back as %+v (%v)", q.Filter, err)
	}
}

func TestParseExport(t *testing.T) {
	x, err := ParseExport(values(t, "user_name=ann"), now)
	if err != nil || x.Format != CSV || x.Query.Sort != ExportSort || x.BOM || x.TZ != nil {
		t.Errorf("defaults: %+v, %v", x, err)
	}
	for query, field := range map[string]string{"format=xml": "format", "format=": "format", "bom=maybe": "bom",
		"format=ndjson&bom=true": "bom", "tz=Local": "tz", "tz=": "tz", "format=ndjson&tz=Europe/Berlin": "tz",
		"limit=10": "limit", "cursor=abc": "cursor", "usr_name=alice": "usr_name"} {
		if _, err := ParseExport(values(t, query), now); fieldOf(err) != field {
			t.Errorf("ParseExport(%s) = %v, want a refusal of %s", query, err, field)
		}
	}
}

// TestExportJSONRoundTrip: an export job keeps the parsed export and runs
// exactly it later, whatever the clock says then.
func TestExportJSONRoundTrip(t *testing.T) {
	x, err := ParseExport(values(t, "format=csv&bom=true&tz=Europe/Berlin&user_name=ann*&result=Failure&job_id=7"+
		"&object=Device:mx960-1&from=2026-11-01T00:00:00Z&after_id=9&sort=-timestamp&q="+url.QueryEscape(`ntp after:-24h -user:bob`)), now)
	if err != nil {
		t.Fatal(err)
	}
	x.Query.Filter.ID = 5 // the grid's id filter survives too
	b, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"user_name":[{"value":"ann","prefix":true}]`) || !strings.Contains(string(b), `"text":"`) {
		t.Errorf("stored form %s", b)
	}
	var back Export
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.TZ.String() != x.TZ.String() {
		t.Errorf("tz %v, want %v", back.TZ, x.TZ)
	}
	back.TZ, x.TZ = nil, nil
	back.At, x.At = back.At.UTC(), x.At.UTC()
	x.Query.Limit = 0 // the service pages an export itself
	if !reflect.DeepEqual(back, x) {
		t.Errorf("round trip\n%+v\nwant\n%+v", back, x)
	}
	if err := json.Unmarshal([]byte(`{"format":"xml","sort":"id","filter":{}}`), &back); err == nil {
		t.Error("a stored export of an unknown format was read")
	}
}

func TestExportValuesReadBack(t *testing.T) {
	for _, query := range []string{"format=ndjson", "format=csv&bom=true&tz=Europe/Berlin&sort=-timestamp&task=Login*", "sort=id"} {
		x, err := ParseExport(values(t, query), now)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseExport(x.Values(), now)
		if err != nil || again.Format != x.Format || again.BOM != x.BOM || again.TZ.String() != x.TZ.String() ||
			!reflect.DeepEqual(again.Query, x.Query) {
			t.Errorf("%s: read back %+v (%v), want %+v", query, again, err, x)
		}
	}
}

func TestParseStats(t *testing.T) {
	s, err := ParseStats(values(t, "group_by=task&top=5&interval=day&user_name=ann"), now)
	if err != nil || s.By != store.SortTask || s.Top != 5 || s.Interval != 24*time.Hour || len(s.Filter.UserName) != 1 {
		t.Errorf("ParseStats = %+v, %v", s, err)
	}
	for query, field := range map[string]string{"": "group_by", "group_by=description": "group_by", "group_by=task&top=101": "top",
		"interval=week": "interval", "group_by=task&sort=id": "sort"} {
		if _, err := ParseStats(values(t, query), now); fieldOf(err) != field {
			t.Errorf("ParseStats(%s) = %v, want a refusal of %s", query, err, field)
		}
	}
}

func TestParseJobs(t *testing.T) {
	q, err := ParseJobs(values(t, "state=FAILURE,SUCCESS&job_type=Rep*&owner=ann&name=night&sort=-name&limit=5&parent=3&top_level=true"))
	if err != nil {
		t.Fatal(err)
	}
	want := store.JobQuery{Limit: 5, Sort: store.JobSort{Field: store.JobSortName, Desc: true}, Filter: store.JobFilter{
		State: []string{"FAILURE", "SUCCESS"}, JobType: []store.Match{{Value: "Rep", Prefix: true}}, Owner: []string{"ann"},
		NamePrefix: "night", ParentID: 3, TopLevel: true}}
	if !reflect.DeepEqual(q, want) {
		t.Errorf("ParseJobs =\n%+v\nwant\n%+v", q, want)
	}
	for query, field := range map[string]string{"state=DONE": "state", "sort=colour": "sort", "parent=x": "parent", "colour=red": "colour"} {
		if _, err := ParseJobs(values(t, query)); fieldOf(err) != field {
			t.Errorf("ParseJobs(%s) = %v, want a refusal of %s", query, err, field)
		}
	}
}
