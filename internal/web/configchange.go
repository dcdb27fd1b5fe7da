package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/configdiff"
	"github.com/logbookhq/logbook/internal/store"
)

// diffContext is how many unchanged lines show around each change.
const diffContext = 3

type cfgLine struct {
	Kind     string // eq, add or del
	OldNo    int
	NewNo    int
	Text     string
	Segments []configdiff.Segment
}

type cfgRow struct{ Left, Right *cfgLine }

// cfgBlock is unchanged lines that start collapsed (Gap) followed by a
// hunk, shown both ways.
type cfgBlock struct {
	Gap     []cfgLine
	Unified []cfgLine
	Rows    []cfgRow
}

type cfgDevice struct {
	Index              int
	Device, Format     string
	Stats              configdiff.Stats
	Binary             bool
	LineEndingsChanged bool
	Blocks             []cfgBlock
	Tail               []cfgLine
	Unified            string
	Base               string // download links start with it
}

type configView struct {
	base
	Split   bool // side by side rather than unified
	Entry   audit.Entry
	Devices []cfgDevice
	BackURL string
}

func lineOf(l configdiff.Line) cfgLine {
	k := "eq"
	switch l.Op {
	case configdiff.Insert:
		k = "add"
	case configdiff.Delete:
		k = "del"
	}
	return cfgLine{Kind: k, OldNo: l.OldNo, NewNo: l.NewNo, Text: l.Text, Segments: l.Segments}
}

// gapLines returns the unchanged lines a gap hides.
func gapLines(before []string, g configdiff.Gap) []cfgLine {
	out := make([]cfgLine, 0, g.Count)
	for i := 0; i < g.Count && g.OldStart-1+i < len(before); i++ {
		out = append(out, cfgLine{Kind: "eq", OldNo: g.OldStart + i, NewNo: g.NewStart + i, Text: before[g.OldStart-1+i]})
	}
	return out
}

// deviceView builds one device's diff for the chosen view only: a 1 MiB
// configuration rendered both ways made pages of 6 MB.
func deviceView(id int64, i int, c audit.ConfigChange, split bool) cfgDevice {
	d := configdiff.Compute(c.Before, c.After, diffContext)
	v := cfgDevice{Index: i, Device: c.Device, Format: c.Format, Stats: d.Stats, Binary: d.Binary,
		LineEndingsChanged: d.LineEndingsChanged, Base: fmt.Sprintf("/audit-logs/%d/config-change/%d", id, i)}
	v.Unified = configdiff.Unified(c.Before, c.After, "a/"+c.Device, "b/"+c.Device, diffContext)
	before := configdiff.Lines(c.Before)
	for h, hunk := range d.Hunks {
		var b cfgBlock
		if h < len(d.Gaps) {
			b.Gap = gapLines(before, d.Gaps[h])
		}
		if !split {
			for _, l := range hunk.Lines {
				b.Unified = append(b.Unified, lineOf(l))
			}
			v.Blocks = append(v.Blocks, b)
			continue
		}
		for _, r := range configdiff.SideBySide(hunk) {
			var row cfgRow
			if r.Left != nil {
				l := lineOf(*r.Left)
				row.Left = &l
			}
			if r.Right != nil {
				l := lineOf(*r.Right)
				row.Right = &l
			}
			b.Rows = append(b.Rows, row)
		}
		v.Blocks = append(v.Blocks, b)
	}
	v.Tail = gapLines(before, d.Tail)
	return v
}

// showConfigChange is the Configuration Details page: for each device a
// unified and a side-by-side diff with word-level highlights, unchanged
// stretches collapsed, line numbers, counts, copy and downloads.
func (h *Handler) showConfigChange(w http.ResponseWriter, r *http.Request) (answer, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	e, cs, err := h.configChanges(r, id)
	if err != nil {
		return nil, err
	}
	v := configView{base: base{Title: "Configuration Details " + strconv.FormatInt(id, 10), Nav: "audit-logs"}, Entry: e,
		Split:   r.URL.Query().Get("view") == "split",
		BackURL: withBack("/audit-logs/"+strconv.FormatInt(id, 10), backURL(r))}
	for i, c := range cs {
		v.Devices = append(v.Devices, deviceView(id, i, c, v.Split))
	}
	return show("configchange", &v), nil
}

// configChanges reads an entry and its changes.
func (h *Handler) configChanges(r *http.Request, id int64) (audit.Entry, []audit.ConfigChange, error) {
	scope := scopeOf(r)
	e, err := h.logs.Get(r.Context(), scope, id)
	if err != nil {
		return e, nil, err
	}
	cs, err := h.logs.ConfigChanges(r.Context(), scope, id)
	return e, cs, err
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// downloadConfig answers one device's diff, before or after as a file.
func (h *Handler) downloadConfig(w http.ResponseWriter, r *http.Request) (answer, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	n, nerr := strconv.Atoi(r.PathValue("n"))
	what := r.PathValue("what")
	if err != nil || nerr != nil || (what != "diff" && what != "before" && what != "after") {
		return nil, store.ErrNotFound
	}
	_, cs, err := h.configChanges(r, id)
	if err != nil {
		return nil, err
	}
	if n < 0 || n >= len(cs) {
		return nil, store.ErrNotFound
	}
	c := cs[n]
	body, ext := c.Before, ".conf"
	switch what {
	case "after":
		body = c.After
	case "diff":
		body, ext = configdiff.Unified(c.Before, c.After, "a/"+c.Device, "b/"+c.Device, diffContext), ".diff"
	}
	return attachment{name: unsafeFileChars.ReplaceAllString(fmt.Sprintf("%s-%d-%s", c.Device, id, what), "_") + ext, body: body}, nil
}
