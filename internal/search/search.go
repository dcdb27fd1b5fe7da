// Package search is Logbook's search language: the text a user types into
// the grid's search box or sends as the API's q= parameter, read into a
// Query that each store compiles to its own SQL. The package is pure logic
// (lexer, parser, AST, canonical printer) so that the UI, the API, the CLI
// and both stores agree on one meaning of every query.
//
// A query is a list of terms separated by spaces, all of which must hold:
//
//	user:super task:"Apply CLI Configlet" result:Failure,Job\ Scheduled
//	ip:172.16.0.0/16 after:2026-11-01 before:"2026-11-02 10:00"
//	object:Device:mx960-1 -domain:Global/Lab ntp
//
// A field term is name:value; a comma separates alternative values (OR); a
// leading minus negates a term. Values are bare (up to the next space or
// comma, a backslash escaping the character after it), double-quoted (with
// \" and \\ escapes) or a concatenation of both, as in a shell. A trailing
// unescaped * on a text or ip value asks for a prefix match. Anything that
// is not a field term is a free word for full-text search; a quoted word is
// a phrase.
package search

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
)

// Limits on one query. They bound what parsing and the compiled SQL can
// cost however hostile the text: within them every query compiles to SQL
// that both engines accept (SQLite refuses expressions deeper than 1,000
// and more than 32,766 parameters) and plan in tens of milliseconds (a
// query at all of them at once: about 60 ms a read on SQLite, most of it
// planning). The language has no nesting, so length, terms, values and
// words are the whole of a query's size.
//
// A free word costs one condition per word it holds (its runs of letters
// and digits, as audit.SplitWords finds them), wherever the engine checks
// words row by row, all of them joined by AND: 'x*q=' repeated 500 times
// is one term of 1,000 words, which SQLite refused as an expression tree
// too deep. An IPv4 network not on an octet boundary compiles to one text
// prefix per value of its partial octet (10.0.0.0/9 to 128 of them, joined
// by OR); IPv6 networks and other values compile to one condition each.
const (
	MaxQueryBytes = 2000 // bytes of query text
	MaxTerms      = 50   // field terms and free words together
	MaxValues     = 50   // comma-separated values in one field term
	// MaxQueryValues bounds the values of all field terms together, four
	// full terms; 2,000 bytes would hold a thousand (id:1,2,3,...).
	MaxQueryValues = 200
	// MaxTermWords bounds the words of one free word or phrase; a phrase
	// copied from a description rarely holds more than a dozen.
	MaxTermWords = 16
	// MaxQueryWords bounds the words of all free words together.
	MaxQueryWords = 64
	// MaxNetworkPrefixes bounds the text prefixes the IPv4 networks of a
	// query compile to, together: two networks such as 10.0.0.0/9.
	MaxNetworkPrefixes = 256
)

// Field is the canonical name of a searchable field; it is the column name
// of the native API.
type Field string

// The searchable fields.
const (
	FieldUserName    Field = "user_name"
	FieldUserIP      Field = "user_ip"
	FieldDomain      Field = "domain"
	FieldApplication Field = "application"
	FieldWorkspace   Field = "workspace"
	FieldTask        Field = "task"
	FieldResult      Field = "result"
	FieldJobID       Field = "job_id"
	FieldObject      Field = "object"
	FieldID          Field = "id"
	FieldAfter       Field = "after"
	FieldBefore      Field = "before"
	FieldSource      Field = "source"
)

// Value is one value of a field term. Text is always set: the value as a
// store compares it (canonical result casing, canonical IP text, decimal
// number, TYPE:NAME of an object) or, for after and before, the time as the
// user wrote it, so that printing the query keeps "-24h" relative. The
// other fields hold the typed form of the fields that need one.
type Value struct {
	Text string
	// Prefix asks for every value that starts with Text; only the text
	// fields and user_ip take it.
	Prefix bool
	// Prefix4CIDR is set for a user_ip value written as a CIDR prefix
	// (masked, IPv4-mapped prefixes turned into IPv4); Text is then its
	// canonical text. A plain address leaves it zero.
	Prefix4CIDR netip.Prefix
	// Time is the instant of an after or before value, in UTC.
	Time time.Time
	// Num is the number of a job_id or id value.
	Num int64
	// Object is the type and name of an object value.
	Object struct{ Type, Name string }
}

// Term is one field term; its values are alternatives (OR).
type Term struct {
	Field  Field
	Values []Value
	Negate bool
}

// Word is a free word or phrase that full-text search matches against the
// description, task, user and object names. Phrase is set for a word that
// was quoted or holds a space (written with backslashes): its tokens must
// appear together and in order.
type Word struct {
	Text   string
	Negate bool
	Phrase bool
}

// Query is a parsed query: every term and every word must hold (AND).
type Query struct {
	Terms []Term
	Words []Word
}

// SyntaxError is why a query could not be read: Pos is the byte offset in
// the query where something else was expected (0 <= Pos <= len(query)), and
// Msg says what.
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at %d: %s", e.Pos, e.Msg) }

// kind is how the values of a field are read.
type kind int

const (
	kindText kind = iota
	kindIP
	kindResult
	kindNumber
	kindObject
	kindTime
)

// fieldSpec describes one field: the name the UI shows, an alias, how its
// values are read and how long a text value may be.
type fieldSpec struct {
	field  Field
	name   string
	alias  string
	kind   kind
	maxLen int // of a text value; 0 means unbounded
}

// shortest is the shorter of name and alias, which the compact form of a
// printed query uses.
func (s *fieldSpec) shortest() string {
	if s.alias != "" && len(s.alias) < len(s.name) {
		return s.alias
	}
	return s.name
}

// fieldSpecs lists the fields in the order the UI offers them. The length
// limits are those of an ingested entry: a longer value could match nothing.
var fieldSpecs = []fieldSpec{
	{FieldUserName, "user", "user_name", kindText, audit.MaxNameLen},
	{FieldUserIP, "ip", "user_ip", kindIP, 0},
	{FieldDomain, "domain", "", kindText, audit.MaxDomainLen},
	{FieldApplication, "application", "app", kindText, audit.MaxNameLen},
	{FieldWorkspace, "workspace", "", kindText, audit.MaxNameLen},
	{FieldTask, "task", "", kindText, audit.MaxNameLen},
	{FieldResult, "result", "", kindResult, 0},
	{FieldJobID, "job", "job_id", kindNumber, 0},
	{FieldObject, "object", "", kindObject, 0},
	{FieldID, "id", "", kindNumber, 0},
	{FieldAfter, "after", "", kindTime, 0},
	{FieldBefore, "before", "", kindTime, 0},
	{FieldSource, "source", "", kindText, 0},
}

// lookupField finds a field by its name or alias, ignoring case.
func lookupField(name string) (*fieldSpec, bool) {
	name = strings.ToLower(name)
	for i := range fieldSpecs {
		if s := &fieldSpecs[i]; name == s.name || (s.alias != "" && name == s.alias) {
			return s, true
		}
	}
	return nil, false
}

// specOf finds the description of a canonical field name.
func specOf(f Field) (*fieldSpec, bool) {
	for i := range fieldSpecs {
		if fieldSpecs[i].field == f {
			return &fieldSpecs[i], true
		}
	}
	return nil, false
}

// Fields returns every field name Parse accepts, each followed by its
// alias, in the order the UI offers them, for autocompletion. The caller
// owns the slice.
func Fields() []string {
	var out []string
	for _, s := range fieldSpecs {
		out = append(out, s.name)
		if s.alias != "" {
			out = append(out, s.alias)
		}
	}
	return out
}

// fieldList names the fields for an unknown-field error.
func fieldList() string {
	var b strings.Builder
	for i, s := range fieldSpecs {
		switch {
		case i == len(fieldSpecs)-1:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(s.name)
		if s.alias != "" {
			b.WriteString(" (" + s.alias + ")")
		}
	}
	return b.String()
}
