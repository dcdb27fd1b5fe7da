package query

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// The JSON form of an Export is what an export job keeps until it runs:
// the parsed model, with names of its own, so that the job runs the export
// that was asked for whatever the store's Go types are called by then. The
// search of q is kept as its canonical text with the instant it was
// parsed at, which reads back to the same search (relative times
// included) and stays readable in the job's parameters.
type exportJSON struct {
	Format Format      `json:"format"`
	BOM    bool        `json:"bom,omitempty"`
	TZ     string      `json:"tz,omitempty"`
	Filter filterJSON  `json:"filter"`
	Sort   string      `json:"sort"`
	Search *searchJSON `json:"search,omitempty"`
}

type filterJSON struct {
	UserName    []matchJSON  `json:"user_name,omitempty"`
	UserIP      []matchJSON  `json:"user_ip,omitempty"`
	Domain      []matchJSON  `json:"domain,omitempty"`
	Application []matchJSON  `json:"application,omitempty"`
	Workspace   []matchJSON  `json:"workspace,omitempty"`
	Task        []matchJSON  `json:"task,omitempty"`
	Result      []matchJSON  `json:"result,omitempty"`
	JobID       []int64      `json:"job_id,omitempty"`
	Object      []objectJSON `json:"object,omitempty"`
	From        time.Time    `json:"from,omitzero"`
	To          time.Time    `json:"to,omitzero"`
	ID          int64        `json:"id,omitempty"`
	AfterID     int64        `json:"after_id,omitempty"`
}

type matchJSON struct {
	Value  string `json:"value"`
	Prefix bool   `json:"prefix,omitempty"`
}

type objectJSON struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type searchJSON struct {
	Text string    `json:"text"`
	Now  time.Time `json:"now"`
}

// MarshalJSON writes x in its stored form.
func (x Export) MarshalJSON() ([]byte, error) {
	f := x.Query.Filter
	out := exportJSON{Format: x.Format, BOM: x.BOM, Sort: x.Query.Sort.String(), Filter: filterJSON{
		UserName: matchesJSON(f.UserName), UserIP: matchesJSON(f.UserIP), Domain: matchesJSON(f.Domain),
		Application: matchesJSON(f.Application), Workspace: matchesJSON(f.Workspace), Task: matchesJSON(f.Task),
		Result: matchesJSON(f.Result), JobID: f.JobID, From: f.From, To: f.To, ID: f.ID, AfterID: f.AfterID}}
	for _, o := range f.Object {
		out.Filter.Object = append(out.Filter.Object, objectJSON{Type: o.Type, Name: o.Name})
	}
	if x.TZ != nil {
		out.TZ = x.TZ.String()
	}
	if f.Search != nil {
		out.Search = &searchJSON{Text: f.Search.String(), Now: x.At.UTC()}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the stored form back, checking it as ParseExport
// checks parameters: a damaged job fails when it runs rather than
// exporting something else.
func (x *Export) UnmarshalJSON(b []byte) error {
	var in exportJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	out := Export{Format: in.Format, BOM: in.BOM}
	if out.Format != CSV && out.Format != NDJSON {
		return fmt.Errorf("unknown export format %q", in.Format)
	}
	if in.TZ != "" {
		loc, err := parseZone(in.TZ)
		if err != nil {
			return err
		}
		out.TZ = loc
	}
	var err error
	if out.Query.Sort, err = store.ParseSort(in.Sort); err != nil {
		return err
	}
	fj := in.Filter
	f := store.Filter{UserName: matches(fj.UserName), UserIP: matches(fj.UserIP), Domain: matches(fj.Domain),
		Application: matches(fj.Application), Workspace: matches(fj.Workspace), Task: matches(fj.Task),
		Result: matches(fj.Result), JobID: fj.JobID, From: fj.From, To: fj.To, ID: fj.ID, AfterID: fj.AfterID}
	for _, o := range fj.Object {
		f.Object = append(f.Object, store.ObjectRef{Type: o.Type, Name: o.Name})
	}
	if in.Search != nil {
		out.At = in.Search.Now
		if f.Search, err = parseSearch(in.Search.Text, out.At); err != nil {
			return err
		}
	}
	out.Query.Filter = f
	*x = out
	return nil
}

func matchesJSON(ms []store.Match) []matchJSON {
	var out []matchJSON
	for _, m := range ms {
		out = append(out, matchJSON{Value: m.Value, Prefix: m.Prefix})
	}
	return out
}

func matches(ms []matchJSON) []store.Match {
	var out []store.Match
	for _, m := range ms {
		out = append(out, store.Match{Value: m.Value, Prefix: m.Prefix})
	}
	return out
}
