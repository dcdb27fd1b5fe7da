// Package demo generates realistic Junos Space-like audit log entries.
//
// A fresh Logbook has nothing to look at, and benchmarks and tests that run
// on uniform random strings miss what real data does to indexes, filters and
// statistics: a few users and tasks dominate, most tasks are rare, job-based
// tasks schedule jobs with increasing ids, and activity follows the working
// day. This package produces entries with that shape. Everything it produces
// is a pure function of the seed, so a demo database, a benchmark run or a
// failing test can be reproduced exactly, and every entry passes
// audit.Validate, so the data can go through the same ingest path as real
// clients' data.
package demo

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

// firstJobID is where job ids start, as on a Junos Space installation whose
// job table has been in use for a while.
const firstJobID = 360448

// Generator makes realistic audit log entries. Not safe for concurrent use.
//
// Job ids increase across every call on one Generator, so a demo that loads a
// history and then trickles live entries should use one Generator for both.
type Generator struct {
	rng       *rand.Rand
	p         *pools
	users     weighted
	tasks     weighted // over all tasks
	restTasks weighted // over tasks that can be called through REST
	restIdx   []int    // restTasks index -> tasks index
	nextJob   int64
	sb        strings.Builder
}

// NewGenerator returns a Generator whose output depends only on seed.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		p:       newPools(),
		nextJob: firstJobID,
	}
	for _, u := range users {
		g.users.add(u.weight)
	}
	for i, t := range tasks {
		g.tasks.add(t.weight)
		if t.rest != "" {
			g.restTasks.add(t.weight)
			g.restIdx = append(g.restIdx, i)
		}
	}
	return g
}

// Entry returns one entry with the given timestamp, in UTC and truncated to
// the microsecond as the store keeps it. Server-owned fields (ID, RecordedAt,
// Source, hashes) stay zero, and so does HasConfigChange: the generator makes
// no configuration text to back it.
func (g *Generator) Entry(ts time.Time) audit.Entry {
	r := g.rng
	ui := g.users.pick(r)
	u := &g.p.users[ui]
	var t *taskSpec
	if u.api {
		t = &tasks[g.restIdx[g.restTasks.pick(r)]]
	} else {
		t = &tasks[g.tasks.pick(r)]
	}

	e := audit.Entry{
		Timestamp:   ts.UTC().Truncate(time.Microsecond),
		UserName:    u.name,
		Application: t.app,
		Workspace:   t.workspace,
		Task:        t.name,
	}
	if t.rest != "" && (u.api || r.IntN(100) < 7) {
		e.Application, e.Workspace = appREST, t.rest
	}

	e.UserIP = u.ips[0]
	if len(u.ips) > 1 && r.IntN(10) < 3 {
		e.UserIP = u.ips[1+r.IntN(len(u.ips)-1)]
	}
	dom := u.home
	if sub := g.p.subtree[dom]; len(sub) > 1 && r.IntN(100) < 15 {
		dom = sub[r.IntN(len(sub))]
	}
	e.Domain = domains[dom]

	f := fill{actor: u.name, ip: e.UserIP, dom: e.Domain, task: t.name}
	e.AffectedObjects = g.objects(t, dom, ui, &f)

	e.Result = g.result(t)
	if e.Result != audit.ResultSuccess && e.Result != audit.ResultFailure ||
		t.job != noJob && (e.Result == audit.ResultSuccess || r.IntN(2) == 0) {
		g.nextJob += 1 + int64(r.IntN(3))
		e.JobID = g.nextJob
	}

	tmpl := t.desc
	if e.Result == audit.ResultFailure {
		tmpl = g.failure(t, &f)
	}
	e.Description = g.expand(tmpl, &f)
	e.AffectedObjectDetail = g.detail(t, e.Result, &f)
	return e
}

// History returns n entries with timestamps spread over [end-span, end) in
// ascending order. Timestamps have microsecond precision and follow a daily
// rhythm: busy in working hours UTC, quiet at night and at weekends. History
// panics if span is shorter than a microsecond.
func (g *Generator) History(n int, end time.Time, span time.Duration) []audit.Entry {
	if n <= 0 {
		return nil
	}
	start := end.Add(-span)
	lo := start.Truncate(time.Microsecond)
	if lo.Before(start) {
		lo = lo.Add(time.Microsecond)
	}
	slots := int64((end.Sub(lo) + time.Microsecond - 1) / time.Microsecond) // lo + k µs < end for k < slots
	if span <= 0 || slots <= 0 {
		panic("demo: History span must be at least one microsecond")
	}
	base := lo.UnixMicro()
	micros := make([]int64, n)
	for i := range micros {
		for {
			us := base + g.rng.Int64N(slots)
			if g.rng.Float64() < activity(time.UnixMicro(us).UTC()) {
				micros[i] = us
				break
			}
		}
	}
	slices.Sort(micros)
	out := make([]audit.Entry, n)
	for i, us := range micros {
		out[i] = g.Entry(time.UnixMicro(us))
	}
	return out
}

// hourly is the relative activity per UTC hour: the offices of the three
// regions overlap most in the European and American working day.
var hourly = [24]float64{
	0.10, 0.08, 0.08, 0.08, 0.10, 0.15, 0.30, 0.55, 0.85, 1.00, 1.00, 0.95,
	0.80, 0.90, 1.00, 1.00, 0.95, 0.80, 0.55, 0.40, 0.30, 0.22, 0.16, 0.12,
}

// activity is the probability of keeping a uniformly drawn timestamp.
func activity(t time.Time) float64 {
	a := hourly[t.Hour()]
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		a *= 0.25
	}
	return a
}

// Input returns the same kind of entry as Entry, as an ingest request body
// element for clients that post through the API. Timestamp is nil so that
// the server stamps the receipt time.
func (g *Generator) Input() audit.Input {
	return toInput(g.Entry(time.Time{}))
}

// toInput converts e to what a client would send for it, without a timestamp.
func toInput(e audit.Entry) audit.Input {
	in := audit.Input{
		UserName:        e.UserName,
		UserIP:          e.UserIP,
		Domain:          e.Domain,
		Application:     e.Application,
		Workspace:       e.Workspace,
		Task:            e.Task,
		Result:          string(e.Result),
		Description:     e.Description,
		AffectedObjects: e.AffectedObjects,
		EventID:         e.EventID,
	}
	if e.JobID != 0 {
		id := e.JobID
		in.JobID = &id
	}
	switch d := e.AffectedObjectDetail; {
	case d == "":
	case d[0] == '{':
		in.AffectedObjectDetail = json.RawMessage(d)
	default:
		b, _ := json.Marshal(d) // a string always marshals
		in.AffectedObjectDetail = b
	}
	return in
}

// result draws the outcome: job-based tasks mostly schedule a job, others
// mostly succeed, and about one in twenty of either fails.
func (g *Generator) result(t *taskSpec) audit.Result {
	x := g.rng.IntN(1000)
	fail := 50
	if t.name == "Login" {
		fail = 60
	}
	switch {
	case x < fail && !t.noFail:
		return audit.ResultFailure
	case t.job == noJob:
		return audit.ResultSuccess
	case t.job == recurringJob && x >= 900:
		return audit.ResultRecurringJobScheduled
	case x >= 960:
		return audit.ResultSuccess
	default:
		return audit.ResultJobScheduled
	}
}

// failure picks a reason and returns the failure template for t.
func (g *Generator) failure(t *taskSpec, f *fill) string {
	r := g.rng
	switch {
	case t.name == "Login":
		f.reason = loginReasons[r.IntN(len(loginReasons))]
	case f.device != "":
		f.reason = deviceReasons[r.IntN(len(deviceReasons))]
	default:
		f.reason = genericReasons[r.IntN(len(genericReasons))]
	}
	switch {
	case t.fail != "":
		return t.fail
	case f.device != "":
		return "{task} failed on the device {device}: {reason}."
	default:
		return "{task} failed: {reason}."
	}
}

// detail returns affected_object_detail: a small JSON object for the tasks
// whose Junos Space detail shows before and after values, the recurrence for
// recurring jobs, and now and then a line of free text.
func (g *Generator) detail(t *taskSpec, res audit.Result, f *fill) string {
	r := g.rng
	switch t.detail {
	case detailSetting:
		return `{"setting":"` + f.setting + `","before":"` + f.before + `","after":"` + f.after + `"}`
	case detailUser:
		field := userFields[r.IntN(len(userFields))]
		before, after := g.userChange(field, f.user)
		return `{"user":"` + f.user + `","setting":"` + field + `","before":"` + before + `","after":"` + after + `"}`
	case detailRole:
		b := &g.sb
		b.Reset()
		b.WriteString(`{"role":"` + f.role + `","tasks":[`)
		n := 2 + r.IntN(4)
		start := r.IntN(len(tasks))
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + tasks[(start+i*7)%len(tasks)].name + `"`)
		}
		b.WriteString("]}")
		return b.String()
	}
	if res == audit.ResultRecurringJobScheduled {
		return recurrences[r.IntN(len(recurrences))]
	}
	if len(t.objs) == 0 && t.job == noJob || r.IntN(100) >= 5 {
		return ""
	}
	switch x := r.IntN(6); {
	case x < 2:
		return "Requested in change ticket CHG" + strconv.Itoa(40000+r.IntN(9000)) + "."
	case x < 4 && t.job != noJob:
		return jobText[r.IntN(len(jobText))]
	case f.nDevices > 0:
		return deviceText[r.IntN(len(deviceText))]
	default:
		return "Approved by " + g.p.users[r.IntN(len(g.p.users))].name + "."
	}
}

func (g *Generator) userChange(field, user string) (before, after string) {
	r := g.rng
	switch field {
	case "Roles":
		a := roles[r.IntN(len(roles))]
		b := roles[r.IntN(len(roles))]
		if a == b {
			return a, "Read Only"
		}
		return a, a + ", " + b
	case "Domains":
		a := domains[r.IntN(len(domains))]
		b := domains[1+r.IntN(len(domains)-1)]
		if a == b {
			return a, "Global"
		}
		return a, a + ", " + b
	case "Email":
		return user + "@example.net", user + "@corp.example.net"
	default:
		if r.IntN(2) == 0 {
			return "Enabled", "Disabled"
		}
		return "Disabled", "Enabled"
	}
}

// weighted draws indexes with probability proportional to their weight.
type weighted struct {
	cum   []int
	total int
}

func (w *weighted) add(weight int) {
	w.total += weight
	w.cum = append(w.cum, w.total)
}

func (w *weighted) pick(r *rand.Rand) int {
	x := r.IntN(w.total)
	i, _ := slices.BinarySearch(w.cum, x+1)
	return i
}
