package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// now is the receipt time every validation test uses; it carries
// nanoseconds so that truncation to microseconds is observable.
var now = time.Date(2026, 11, 25, 22, 31, 34, 123456789, time.UTC)

// sameTime compares times as reflect.DeepEqual did, less the monotonic
// clock: the same instant in the same zone.
var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() })

// validInput returns an entry that passes every rule.
func validInput() Input {
	return Input{
		UserName:    "super",
		UserIP:      "172.16.100.2",
		Domain:      "Global/EMEA",
		Application: "Network Management Platform",
		Workspace:   "Devices",
		Task:        "Modify Device Configuration",
		Result:      "Success",
		Description: "changed the NTP servers",
		AffectedObjects: []Object{
			{Type: "Device", ID: "131090", Name: "mx960-1"},
		},
		EventID: "evt-1",
	}
}

func ptr[T any](v T) *T { return &v }

func objects(n int) []Object {
	out := make([]Object, n)
	for i := range out {
		out[i] = Object{Type: "Device", Name: fmt.Sprintf("d%d", i)}
	}
	return out
}

// fieldsOf returns the Field of each error, in order.
func fieldsOf(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

func TestValidateRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	type tc struct {
		name   string
		mutate func(in *Input)
		field  string // "" means accepted
		check  func(t *testing.T, e Entry)
	}
	var tests []tc

	// Every single-line field: required, length limit, UTF-8, control
	// characters and padding.
	lines := []struct {
		field    string
		set      func(in *Input, v string)
		required bool
		max      int
	}{
		{"user_name", func(in *Input, v string) { in.UserName = v }, true, MaxNameLen},
		{"application", func(in *Input, v string) { in.Application = v }, true, MaxNameLen},
		{"workspace", func(in *Input, v string) { in.Workspace = v }, false, MaxNameLen},
		{"task", func(in *Input, v string) { in.Task = v }, true, MaxNameLen},
		{"event_id", func(in *Input, v string) { in.EventID = v }, false, MaxEventIDLen},
		{"affected_objects[0].type", func(in *Input, v string) { in.AffectedObjects[0].Type = v }, true, MaxNameLen},
		{"affected_objects[0].id", func(in *Input, v string) { in.AffectedObjects[0].ID = v }, false, MaxObjectIDLen},
		{"affected_objects[0].name", func(in *Input, v string) { in.AffectedObjects[0].Name = v }, true, MaxObjectNameLen},
	}
	for _, l := range lines {
		set := l.set
		with := func(v string) func(*Input) { return func(in *Input) { set(in, v) } }
		emptyField := l.field
		if !l.required {
			emptyField = ""
		}
		tests = append(tests,
			tc{name: l.field + " empty", mutate: with(""), field: emptyField},
			tc{name: l.field + " at limit", mutate: with(long(l.max))},
			tc{name: l.field + " over limit", mutate: with(long(l.max + 1)), field: l.field},
			tc{name: l.field + " bad UTF-8", mutate: with("a\xffb"), field: l.field},
			tc{name: l.field + " NUL", mutate: with("a\x00b"), field: l.field},
			tc{name: l.field + " tab", mutate: with("a\tb"), field: l.field},
			tc{name: l.field + " newline", mutate: with("a\nb"), field: l.field},
			tc{name: l.field + " ESC", mutate: with("a\x1bb"), field: l.field},
			tc{name: l.field + " DEL", mutate: with("a\x7fb"), field: l.field},
			tc{name: l.field + " line separator", mutate: with("a\u2028b"), field: l.field},
			tc{name: l.field + " leading space", mutate: with(" ab"), field: l.field},
			tc{name: l.field + " trailing space", mutate: with("ab "), field: l.field},
			tc{name: l.field + " inner space and UTF-8", mutate: with("Zürich Süd")},
		)
	}

	tests = append(tests,
		// result
		tc{name: "result missing", mutate: func(in *Input) { in.Result = "" }, field: "result"},
		tc{name: "result lower case", mutate: func(in *Input) { in.Result = "success" }, field: "result"},
		tc{name: "result unknown", mutate: func(in *Input) { in.Result = "Maybe" }, field: "result"},

		// user_ip
		tc{name: "user_ip empty", mutate: func(in *Input) { in.UserIP = "" }},
		tc{name: "user_ip IPv4", mutate: func(in *Input) { in.UserIP = "10.1.2.3" },
			check: func(t *testing.T, e Entry) { wantString(t, "user_ip", e.UserIP, "10.1.2.3") }},
		tc{name: "user_ip IPv6", mutate: func(in *Input) { in.UserIP = "2001:db8::1" },
			check: func(t *testing.T, e Entry) { wantString(t, "user_ip", e.UserIP, "2001:db8::1") }},
		tc{name: "user_ip IPv6 normalised", mutate: func(in *Input) { in.UserIP = "2001:DB8:0:0:0:0:0:1" },
			check: func(t *testing.T, e Entry) { wantString(t, "user_ip", e.UserIP, "2001:db8::1") }},
		tc{name: "user_ip IPv4-mapped", mutate: func(in *Input) { in.UserIP = "::ffff:1.2.3.4" },
			check: func(t *testing.T, e Entry) { wantString(t, "user_ip", e.UserIP, "1.2.3.4") }},
		tc{name: "user_ip zone", mutate: func(in *Input) { in.UserIP = "fe80::1%eth0" }, field: "user_ip"},
		tc{name: "user_ip garbage", mutate: func(in *Input) { in.UserIP = "not-an-ip" }, field: "user_ip"},
		tc{name: "user_ip out of range", mutate: func(in *Input) { in.UserIP = "1.2.3.256" }, field: "user_ip"},
		tc{name: "user_ip with port", mutate: func(in *Input) { in.UserIP = "1.2.3.4:80" }, field: "user_ip"},
		tc{name: "user_ip padded", mutate: func(in *Input) { in.UserIP = " 1.2.3.4" }, field: "user_ip"},

		// domain
		tc{name: "domain default", mutate: func(in *Input) { in.Domain = "" },
			check: func(t *testing.T, e Entry) { wantString(t, "domain", e.Domain, RootDomain) }},
		tc{name: "domain Global", mutate: func(in *Input) { in.Domain = "Global" }},
		tc{name: "domain path", mutate: func(in *Input) { in.Domain = "Global/EMEA/Lab-1_a.b c" }},
		tc{name: "domain depth 5", mutate: func(in *Input) { in.Domain = "Global/a/b/c/d/e" }},
		tc{name: "domain depth 6", mutate: func(in *Input) { in.Domain = "Global/a/b/c/d/e/f" }, field: "domain"},
		tc{name: "domain segment at limit", mutate: func(in *Input) { in.Domain = "Global/" + long(MaxDomainPartLen) }},
		tc{name: "domain segment over limit", mutate: func(in *Input) { in.Domain = "Global/" + long(MaxDomainPartLen+1) }, field: "domain"},
		tc{name: "domain over length", mutate: func(in *Input) { in.Domain = "Global/" + long(MaxDomainLen) }, field: "domain"},
		tc{name: "domain not under Global", mutate: func(in *Input) { in.Domain = "EMEA" }, field: "domain"},
		tc{name: "domain lower case root", mutate: func(in *Input) { in.Domain = "global/EMEA" }, field: "domain"},
		tc{name: "domain Globalx", mutate: func(in *Input) { in.Domain = "GlobalX/EMEA" }, field: "domain"},
		tc{name: "domain leading slash", mutate: func(in *Input) { in.Domain = "/Global" }, field: "domain"},
		tc{name: "domain trailing slash", mutate: func(in *Input) { in.Domain = "Global/" }, field: "domain"},
		tc{name: "domain empty segment", mutate: func(in *Input) { in.Domain = "Global//EMEA" }, field: "domain"},
		tc{name: "domain padded segment", mutate: func(in *Input) { in.Domain = "Global/ EMEA" }, field: "domain"},
		tc{name: "domain bad char", mutate: func(in *Input) { in.Domain = "Global/EM*EA" }, field: "domain"},
		tc{name: "domain control char", mutate: func(in *Input) { in.Domain = "Global/EM\x00EA" }, field: "domain"},
		tc{name: "domain bad UTF-8", mutate: func(in *Input) { in.Domain = "Global/EM\xffEA" }, field: "domain"},

		// timestamp
		tc{name: "timestamp default", mutate: func(in *Input) { in.Timestamp = nil },
			check: func(t *testing.T, e Entry) { wantTime(t, e.Timestamp, now.Truncate(time.Microsecond)) }},
		tc{name: "timestamp UTC", mutate: func(in *Input) { in.Timestamp = ptr("2026-11-25T22:31:34.123456Z") },
			check: func(t *testing.T, e Entry) {
				wantTime(t, e.Timestamp, time.Date(2026, 11, 25, 22, 31, 34, 123456000, time.UTC))
			}},
		tc{name: "timestamp offset to UTC", mutate: func(in *Input) { in.Timestamp = ptr("2026-11-25T23:31:34.5+01:00") },
			check: func(t *testing.T, e Entry) {
				wantTime(t, e.Timestamp, time.Date(2026, 11, 25, 22, 31, 34, 500000000, time.UTC))
			}},
		tc{name: "timestamp nanoseconds truncated", mutate: func(in *Input) { in.Timestamp = ptr("2026-01-01T00:00:00.123456789Z") },
			check: func(t *testing.T, e Entry) {
				wantTime(t, e.Timestamp, time.Date(2026, 1, 1, 0, 0, 0, 123456000, time.UTC))
			}},
		tc{name: "timestamp bad format", mutate: func(in *Input) { in.Timestamp = ptr("2026-11-25 22:31:34") }, field: "timestamp"},
		tc{name: "timestamp no zone", mutate: func(in *Input) { in.Timestamp = ptr("2026-11-25T22:31:34") }, field: "timestamp"},
		tc{name: "timestamp empty", mutate: func(in *Input) { in.Timestamp = ptr("") }, field: "timestamp"},
		tc{name: "timestamp 1970", mutate: func(in *Input) { in.Timestamp = ptr("1970-01-01T00:00:00Z") }},
		tc{name: "timestamp before 1970", mutate: func(in *Input) { in.Timestamp = ptr("1969-12-31T23:59:59Z") }, field: "timestamp"},
		tc{name: "timestamp 1h ahead", mutate: func(in *Input) { in.Timestamp = ptr(now.Add(MaxFuture).Format(time.RFC3339Nano)) }},
		tc{name: "timestamp over 1h ahead", mutate: func(in *Input) { in.Timestamp = ptr(now.Add(MaxFuture + time.Second).Format(time.RFC3339Nano)) }, field: "timestamp"},

		// job_id
		tc{name: "job_id absent", mutate: func(in *Input) { in.JobID = nil },
			check: func(t *testing.T, e Entry) { wantInt(t, "job_id", e.JobID, 0) }},
		tc{name: "job_id positive", mutate: func(in *Input) { in.JobID = ptr[int64](360448) },
			check: func(t *testing.T, e Entry) { wantInt(t, "job_id", e.JobID, 360448) }},
		tc{name: "job_id zero", mutate: func(in *Input) { in.JobID = ptr[int64](0) }, field: "job_id"},
		tc{name: "job_id negative", mutate: func(in *Input) { in.JobID = ptr[int64](-1) }, field: "job_id"},

		// description
		tc{name: "description empty", mutate: func(in *Input) { in.Description = "" }},
		tc{name: "description at limit", mutate: func(in *Input) { in.Description = long(MaxDescriptionLen) }},
		tc{name: "description over limit", mutate: func(in *Input) { in.Description = long(MaxDescriptionLen + 1) }, field: "description"},
		tc{name: "description tab newline CR", mutate: func(in *Input) { in.Description = " line 1\tx\r\nline 2 \n" },
			check: func(t *testing.T, e Entry) { wantString(t, "description", e.Description, " line 1\tx\r\nline 2 \n") }},
		tc{name: "description NUL", mutate: func(in *Input) { in.Description = "a\x00b" }, field: "description"},
		tc{name: "description ESC", mutate: func(in *Input) { in.Description = "a\x1b[31mb" }, field: "description"},
		tc{name: "description bad UTF-8", mutate: func(in *Input) { in.Description = "a\xc3" }, field: "description"},

		// affected_objects
		tc{name: "objects none", mutate: func(in *Input) { in.AffectedObjects = nil }},
		tc{name: "objects at limit", mutate: func(in *Input) { in.AffectedObjects = objects(MaxObjects) },
			check: func(t *testing.T, e Entry) { wantInt(t, "objects", int64(len(e.AffectedObjects)), MaxObjects) }},
		tc{name: "objects over limit", mutate: func(in *Input) { in.AffectedObjects = objects(MaxObjects + 1) }, field: "affected_objects"},
		tc{name: "object 2 name too long", mutate: func(in *Input) {
			in.AffectedObjects = objects(3)
			in.AffectedObjects[2].Name = long(MaxObjectNameLen + 1)
		}, field: "affected_objects[2].name"},
		tc{name: "object 1 type missing", mutate: func(in *Input) {
			in.AffectedObjects = objects(2)
			in.AffectedObjects[1].Type = ""
		}, field: "affected_objects[1].type"},

		// affected_object_detail
		tc{name: "detail null", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage("null") },
			check: func(t *testing.T, e Entry) { wantString(t, "detail", e.AffectedObjectDetail, "") }},
		tc{name: "detail string", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`"free\ttext \u00e9"`) },
			check: func(t *testing.T, e Entry) { wantString(t, "detail", e.AffectedObjectDetail, "free\ttext é") }},
		tc{name: "detail object compacted", mutate: func(in *Input) {
			in.AffectedObjectDetail = json.RawMessage(" {\n \"a\" : [1, 2],\n \"b\": \"x y\" }\n")
		},
			check: func(t *testing.T, e Entry) { wantString(t, "detail", e.AffectedObjectDetail, `{"a":[1,2],"b":"x y"}`) }},
		tc{name: "detail array compacted", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`[ 1 , 2 ]`) },
			check: func(t *testing.T, e Entry) { wantString(t, "detail", e.AffectedObjectDetail, `[1,2]`) }},
		tc{name: "detail number", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`42`) }, field: "affected_object_detail"},
		tc{name: "detail boolean", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`true`) }, field: "affected_object_detail"},
		tc{name: "detail bad JSON object", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`{"a":`) }, field: "affected_object_detail"},
		tc{name: "detail control char in string", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`"a\u0000b"`) }, field: "affected_object_detail"},
		tc{name: "detail string at limit", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`"` + long(MaxDetailLen) + `"`) }},
		tc{name: "detail string over limit", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`"` + long(MaxDetailLen+1) + `"`) }, field: "affected_object_detail"},
		tc{name: "detail object over limit", mutate: func(in *Input) { in.AffectedObjectDetail = json.RawMessage(`{"a":"` + long(MaxDetailLen) + `"}`) }, field: "affected_object_detail"},
	)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.mutate(&in)
			e, errs := Validate(in, now)
			if tt.field == "" {
				if len(errs) != 0 {
					t.Fatalf("Validate refused a valid entry: %v", errs)
				}
				if tt.check != nil {
					tt.check(t, e)
				}
				return
			}
			if got := fieldsOf(errs); !slices.Equal(got, []string{tt.field}) {
				t.Fatalf("error fields = %q, want exactly [%q]", got, tt.field)
			}
			if errs[0].Reason == "" {
				t.Errorf("error for %s has no reason", tt.field)
			}
			if d := cmp.Diff(Entry{}, e, sameTime); d != "" {
				t.Errorf("Validate returned a non-zero entry with errors (-zero +got):\n%s", d)
			}
		})
	}
}

func TestValidateCopiesFields(t *testing.T) {
	in := validInput()
	in.Timestamp = ptr("2026-11-25T22:31:34.123456Z")
	in.JobID = ptr[int64](7)
	in.AffectedObjectDetail = json.RawMessage(`"detail"`)
	got, errs := Validate(in, now)
	if errs != nil {
		t.Fatal(errs)
	}
	want := Entry{
		Timestamp: time.Date(2026, 11, 25, 22, 31, 34, 123456000, time.UTC),
		UserName:  "super", UserIP: "172.16.100.2", Domain: "Global/EMEA",
		Application: "Network Management Platform", Workspace: "Devices",
		Task: "Modify Device Configuration", Result: ResultSuccess, JobID: 7,
		Description:          "changed the NTP servers",
		AffectedObjects:      []Object{{Type: "Device", ID: "131090", Name: "mx960-1"}},
		AffectedObjectDetail: "detail", EventID: "evt-1",
	}
	if d := cmp.Diff(want, got, sameTime); d != "" {
		t.Errorf("Validate (-want +got):\n%s", d)
	}
}

func TestValidateAllResults(t *testing.T) {
	for _, r := range Results {
		in := validInput()
		in.Result = string(r)
		if e, errs := Validate(in, now); errs != nil || e.Result != r {
			t.Errorf("result %q: entry result %q, errors %v", r, e.Result, errs)
		}
	}
}

func TestValidateReportsEveryBadField(t *testing.T) {
	in := Input{
		UserIP:          "nope",
		Domain:          "EMEA",
		Timestamp:       ptr("yesterday"),
		JobID:           ptr[int64](0),
		Description:     "\x00",
		AffectedObjects: []Object{{ID: "1"}},
		EventID:         " x",
		// user_name, application, task and result missing
		AffectedObjectDetail: json.RawMessage(`1`),
	}
	_, errs := Validate(in, now)
	got := fieldsOf(errs)
	slices.Sort(got)
	want := []string{"affected_object_detail", "affected_objects[0].name", "affected_objects[0].type",
		"application", "description", "domain", "event_id", "job_id", "result", "task",
		"timestamp", "user_ip", "user_name"}
	if !slices.Equal(got, want) {
		t.Errorf("error fields =\n%q\nwant\n%q", got, want)
	}
}

func TestValidateTimestampBefore1970WithOffset(t *testing.T) {
	in := validInput()
	in.Timestamp = ptr("1970-01-01T00:30:00+01:00")
	_, errs := Validate(in, now)
	if got := fieldsOf(errs); !slices.Equal(got, []string{"timestamp"}) {
		t.Errorf("error fields = %q, want [timestamp]", got)
	}
}

func TestEnrichDescription(t *testing.T) {
	configlet := Object{Type: "Configlet", ID: "7", Name: "ntp-servers"}
	device := Object{Type: "Device", ID: "131090", Name: "mx960-1"}
	tests := []struct {
		name, task, description string
		objects                 []Object
		want                    string
	}{
		{"apply", "Apply CLI Configlet", "", []Object{device, configlet},
			"Apply CLI Configlet operation initiated for the configlet ntp-servers on the device mx960-1."},
		{"validate", "Validate CLI Configlet", "", []Object{configlet, device},
			"Validate CLI Configlet operation initiated for the configlet ntp-servers on the device mx960-1."},
		{"first of each type", "Apply CLI Configlet", "",
			[]Object{configlet, device, {Type: "Configlet", Name: "other"}, {Type: "Device", Name: "ex4300"}},
			"Apply CLI Configlet operation initiated for the configlet ntp-servers on the device mx960-1."},
		{"description given", "Apply CLI Configlet", "mine", []Object{device, configlet}, "mine"},
		{"no configlet", "Apply CLI Configlet", "", []Object{device}, ""},
		{"no device", "Apply CLI Configlet", "", []Object{configlet}, ""},
		{"no objects", "Apply CLI Configlet", "", nil, ""},
		{"other task", "Deploy Template", "", []Object{device, configlet}, ""},
	}
	// The rule is for entries reported through the REST API.
	in := validInput()
	in.Application, in.Task, in.AffectedObjects = "Network Management Platform", "Apply CLI Configlet", []Object{device, configlet}
	in.Description = ""
	if e, _ := Validate(in, now); e.Description != "" {
		t.Errorf("an entry from another application was described: %q", e.Description)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			in.Application = "REST"
			in.Task, in.Description, in.AffectedObjects = tt.task, tt.description, tt.objects
			e, errs := Validate(in, now)
			if errs != nil {
				t.Fatal(errs)
			}
			wantString(t, "description", e.Description, tt.want)
		})
	}
}

func TestCheckDomain(t *testing.T) {
	for _, d := range []string{"Global", "Global/EMEA", "Global/EMEA/Lab", "Global/Zürich 2", "Global/a/b/c/d/e"} {
		if r := CheckDomain(d); r != "" {
			t.Errorf("CheckDomain(%q) = %q, want valid", d, r)
		}
	}
	for _, d := range []string{"", "EMEA", "Global/", "Global//x", "Global/a/b/c/d/e/f", "Global/x ", "Global/a+b",
		"Global/" + strings.Repeat("a", MaxDomainPartLen+1), "Global/" + strings.Repeat("a", MaxDomainLen)} {
		if r := CheckDomain(d); r == "" {
			t.Errorf("CheckDomain(%q) accepted an invalid domain", d)
		}
	}
}

func wantString(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func wantInt(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

func wantTime(t *testing.T, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("timestamp = %v, want %v in UTC", got, want)
	}
}
