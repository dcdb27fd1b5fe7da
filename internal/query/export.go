package query

import (
	"net/url"
	"strconv"
	"time"

	"github.com/logbookhq/logbook/internal/store"
)

// Format is an export's file format, as its format parameter names it.
type Format string

// The export formats.
const (
	CSV    Format = "csv"
	NDJSON Format = "ndjson"
)

// Label names the format for people ("CSV").
func (f Format) Label() string {
	if f == NDJSON {
		return "NDJSON"
	}
	return "CSV"
}

// MediaType is the Content-Type of a file in the format.
func (f Format) MediaType() string {
	if f == NDJSON {
		return "application/x-ndjson"
	}
	return "text/csv; charset=utf-8"
}

// Ext is the file name extension of the format.
func (f Format) Ext() string { return string(f) }

// ExportSort is the order of an export that names none: the order the
// entries were recorded in.
var ExportSort = store.Sort{Field: store.SortID}

// Export is a parsed export: a file format with its options and the
// entries it holds, the filters and sort of a listing. An export holds
// every matching entry, so Query's Limit and After mean nothing to it.
type Export struct {
	Format Format
	// BOM starts a CSV file with a byte order mark, which Excel needs to
	// read it as UTF-8.
	BOM bool
	// TZ adds a column of local times to a CSV file; nil for none.
	TZ    *time.Location
	Query store.Query
	// At is when the export was parsed: the instant relative times in
	// its search are anchored at, which its stored form keeps.
	At time.Time
}

// ParseExport reads an export's parameters: format, bom and tz, and the
// filters and sort of the API's listing (Parse). Without a sort an export
// is in ExportSort's order.
func ParseExport(v url.Values, now time.Time) (Export, error) {
	x := Export{Format: CSV, At: now}
	_, given := v["format"]
	switch f := v.Get("format"); {
	case !given, f == "csv":
	case f == "ndjson":
		x.Format = NDJSON
	default:
		return x, bad("format", "must be csv or ndjson")
	}
	if _, ok := v["bom"]; ok {
		b, err := strconv.ParseBool(v.Get("bom"))
		if err != nil {
			return x, bad("bom", "must be true or false")
		}
		if b && x.Format != CSV {
			return x, bad("bom", "applies only to format=csv")
		}
		x.BOM = b
	}
	if _, ok := v["tz"]; ok {
		loc, err := parseZone(v.Get("tz"))
		if err != nil {
			return x, err
		}
		if x.Format != CSV {
			return x, bad("tz", "applies only to format=csv; NDJSON timestamps are UTC")
		}
		x.TZ = loc
	}
	filters := url.Values{}
	for name, vals := range v {
		switch name {
		case "format", "bom", "tz":
		case "limit", "cursor":
			return x, bad(name, "does not apply to an export, which holds every matching entry")
		default:
			filters[name] = vals
		}
	}
	q, err := Parse(filters, now)
	if err != nil {
		return x, err
	}
	if filters.Get("sort") == "" {
		q.Sort = ExportSort
	}
	x.Query = q
	return x, nil
}

// parseZone reads an IANA time zone name; "Local" would be whatever the
// server's zone is, and is refused.
func parseZone(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return nil, bad("tz", "must be an IANA time zone such as Europe/Berlin")
	}
	return loc, nil
}

// Values writes x as the parameters ParseExport reads back to an export
// of the same entries in the same format, order and options.
func (x Export) Values() url.Values {
	v := filterValues(x.Query.Filter)
	v.Set("format", string(x.Format))
	if x.BOM {
		v.Set("bom", "true")
	}
	if x.TZ != nil {
		v.Set("tz", x.TZ.String())
	}
	if x.Query.Sort != ExportSort && x.Query.Sort.Field != "" {
		v.Set("sort", x.Query.Sort.String())
	}
	return v
}
