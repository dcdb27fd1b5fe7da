package access

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/logbookhq/logbook/internal/store"
)

// testTree is:
//
//	Global
//	├── EMEA                  (parent read)
//	│   ├── EMEA/Paris        (parent read)
//	│   └── EMEA/Berlin
//	│       └── EMEA/Berlin/DC1
//	├── APAC
//	└── EMEA West             (a peer whose name starts like EMEA)
func testTree() *Tree {
	return NewTree([]store.Domain{
		{Name: "Global"},
		{Name: "Global/APAC"},
		{Name: "Global/EMEA", ParentRead: true},
		{Name: "Global/EMEA West"},
		{Name: "Global/EMEA/Berlin"},
		{Name: "Global/EMEA/Berlin/DC1"},
		{Name: "Global/EMEA/Paris", ParentRead: true},
	})
}

func TestTreeExists(t *testing.T) {
	tr := testTree()
	for name, want := range map[string]bool{
		"Global": true, "Global/EMEA/Paris": true, "Global/EMEA/Lyon": false, "": false, "global": false,
	} {
		if got := tr.Exists(name); got != want {
			t.Errorf("Exists(%q) = %v, want %v", name, got, want)
		}
	}
	if !NewTree(nil).Exists("Global") {
		t.Error("a tree built from no domains lacks Global")
	}
}

func TestTreeScope(t *testing.T) {
	tr := testTree()
	tests := []struct {
		name     string
		assigned []string
		want     store.Scope
		sees     []string
		notSees  []string
	}{
		{
			name:     "Global sees all",
			assigned: []string{"Global"},
			want:     store.Scope{All: true},
			sees:     []string{"Global", "Global/APAC", "Global/EMEA/Berlin/DC1", "Global/Unknown"},
		},
		{
			name:     "Global among others sees all",
			assigned: []string{"Global/APAC", "Global"},
			want:     store.Scope{All: true},
		},
		{
			name:     "a subtree",
			assigned: []string{"Global/EMEA/Berlin"},
			want:     store.Scope{Domains: []string{"Global/EMEA/Berlin"}},
			sees:     []string{"Global/EMEA/Berlin", "Global/EMEA/Berlin/DC1"},
			notSees:  []string{"Global", "Global/EMEA", "Global/EMEA/Paris", "Global/APAC", "Global/EMEA/Berliner"},
		},
		{
			name:     "parent read sees the parent alone, not the sibling",
			assigned: []string{"Global/EMEA/Paris"},
			want:     store.Scope{Domains: []string{"Global/EMEA/Paris"}, Exact: []string{"Global/EMEA"}},
			sees:     []string{"Global/EMEA/Paris", "Global/EMEA"},
			notSees:  []string{"Global/EMEA/Berlin", "Global/EMEA/Berlin/DC1", "Global", "Global/APAC"},
		},
		{
			name:     "parent read below Global sees Global alone",
			assigned: []string{"Global/EMEA"},
			want:     store.Scope{Domains: []string{"Global/EMEA"}, Exact: []string{"Global"}},
			sees:     []string{"Global", "Global/EMEA", "Global/EMEA/Berlin/DC1"},
			notSees:  []string{"Global/APAC", "Global/EMEA West"},
		},
		{
			name:     "a peer domain is not seen",
			assigned: []string{"Global/APAC"},
			want:     store.Scope{Domains: []string{"Global/APAC"}},
			notSees:  []string{"Global", "Global/EMEA", "Global/EMEA West"},
		},
		{
			name:     "a peer with a common prefix is not seen",
			assigned: []string{"Global/EMEA/Berlin"},
			notSees:  []string{"Global/EMEA West"},
			want:     store.Scope{Domains: []string{"Global/EMEA/Berlin"}},
		},
		{
			name:     "unknown assigned domains are ignored",
			assigned: []string{"Global/Nowhere", "Global/APAC/Gone", "global", ""},
			want:     store.Scope{},
			notSees:  []string{"Global", "Global/Nowhere", "Global/APAC", "Global/APAC/Gone"},
		},
		{
			name:     "unknown ignored beside a known one",
			assigned: []string{"Global/Nowhere", "Global/APAC"},
			want:     store.Scope{Domains: []string{"Global/APAC"}},
			notSees:  []string{"Global/Nowhere"},
		},
		{
			name:     "no domains sees nothing",
			assigned: nil,
			want:     store.Scope{},
			notSees:  []string{"Global", "Global/APAC"},
		},
		{
			name:     "covered domains and duplicates are dropped",
			assigned: []string{"Global/EMEA/Berlin/DC1", "Global/EMEA/Paris", "Global/EMEA", "Global/EMEA West", "Global/EMEA"},
			want:     store.Scope{Domains: []string{"Global/EMEA", "Global/EMEA West"}, Exact: []string{"Global"}},
			sees:     []string{"Global", "Global/EMEA/Paris", "Global/EMEA West"},
			notSees:  []string{"Global/APAC"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tr.Scope(tt.assigned)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Scope(%q) (-want +got):\n%s", tt.assigned, d)
			}
			for _, d := range tt.sees {
				if !got.Allows(d) {
					t.Errorf("Scope(%q) does not allow %q", tt.assigned, d)
				}
			}
			for _, d := range tt.notSees {
				if got.Allows(d) {
					t.Errorf("Scope(%q) allows %q", tt.assigned, d)
				}
			}
		})
	}
}

func TestTreeCanWrite(t *testing.T) {
	tr := testTree()
	tests := []struct {
		assigned []string
		d        string
		want     bool
	}{
		{[]string{"Global"}, "Global", true},
		{[]string{"Global"}, "Global/APAC", true},
		{[]string{"Global"}, "Global/New/Site", true},
		{[]string{"Global/EMEA"}, "Global/EMEA", true},
		{[]string{"Global/EMEA"}, "Global/EMEA/Berlin/DC1", true},
		{[]string{"Global/EMEA"}, "Global", false}, // parent read does not grant writing
		{[]string{"Global/EMEA"}, "Global/EMEA West", false},
		{[]string{"Global/EMEA"}, "Global/APAC", false},
		{[]string{"Global/EMEA/Paris"}, "Global/EMEA", false}, // parent read does not grant writing
		{[]string{"Global/EMEA/Paris"}, "Global/EMEA/Berlin", false},
		{[]string{"Global/APAC", "Global/EMEA/Paris"}, "Global/EMEA/Paris", true},
		{[]string{"Global/Nowhere"}, "Global/Nowhere", false}, // unknown assignment grants nothing
		{[]string{"Global/Nowhere"}, "Global/Nowhere/x", false},
		{nil, "Global", false},
		{[]string{"Global/EMEA"}, "", false},
		{[]string{"Global/EMEA"}, "Global/EMEA/", false},
	}
	for _, tt := range tests {
		if got := tr.CanWrite(tt.assigned, tt.d); got != tt.want {
			t.Errorf("CanWrite(%q, %q) = %v, want %v", tt.assigned, tt.d, got, tt.want)
		}
	}
}

func TestParent(t *testing.T) {
	for d, want := range map[string]string{
		"Global":                 "",
		"Global/EMEA":            "Global",
		"Global/EMEA/Berlin/DC1": "Global/EMEA/Berlin",
		"":                       "",
	} {
		if got := Parent(d); got != want {
			t.Errorf("Parent(%q) = %q, want %q", d, got, want)
		}
	}
}

func TestCheckNewDomain(t *testing.T) {
	tr := NewTree([]store.Domain{
		{Name: "Global"},
		{Name: "Global/A"},
		{Name: "Global/A/B"},
		{Name: "Global/A/B/C"},
		{Name: "Global/A/B/C/D"},
		{Name: "Global/A/B/C/D/E"},
	})
	tests := []struct {
		name    string
		errWord string // a word the error must contain; "" means valid
	}{
		{"Global/EMEA", ""},
		{"Global/A/New site-1.x_y", ""},
		{"Global/A/B/C/D/New", ""},
		{"Global/Zürich", ""},
		{"Global", "Global"},
		{"Global/A", "exists"},
		{"Global/A/B/C/D/E", "exists"},
		{"Global/Missing/Child", "parent"},
		{"Global/A/B/Missing/X", "parent"},
		{"Global/A/B/C/D/E/F", "levels"},
		{"Global/A/b!", "letters"},
		{"Global/A/b<script>", "letters"},
		{"Global//A", "segment"},
		{"Global/A/", "segment"},
		{"Global/ A", "segment"},
		{"Global/" + strings.Repeat("x", 65), "segment"},
		{"EMEA", "Global"},
		{"global/EMEA", "Global"},
		{"", "Global"},
		{"/Global/EMEA", "Global"},
	}
	for _, tt := range tests {
		err := tr.CheckNewDomain(tt.name)
		switch {
		case tt.errWord == "" && err != nil:
			t.Errorf("CheckNewDomain(%q) = %v, want nil", tt.name, err)
		case tt.errWord != "" && err == nil:
			t.Errorf("CheckNewDomain(%q) = nil, want an error about %q", tt.name, tt.errWord)
		case tt.errWord != "" && !strings.Contains(err.Error(), tt.errWord):
			t.Errorf("CheckNewDomain(%q) = %q, want it to mention %q", tt.name, err, tt.errWord)
		}
	}
}

func TestTreeManages(t *testing.T) {
	tr := testTree()
	tests := []struct {
		name     string
		assigned []string
		reach    store.Scope
		want     bool
	}{
		{"Global manages all", []string{"Global"}, store.AllDomains, true},
		{"Global manages a subtree", []string{"Global"}, Reach([]string{"Global/APAC"}), true},
		{"a subtree manages itself", []string{"Global/EMEA"}, Reach([]string{"Global/EMEA"}), true},
		{"a subtree manages below", []string{"Global/EMEA"}, Reach([]string{"Global/EMEA/Berlin/DC1", "Global/EMEA/Paris"}), true},
		{"not Global", []string{"Global/EMEA"}, Reach([]string{"Global"}), false},
		{"not every domain", []string{"Global/EMEA"}, Reach([]string{store.AllDomainsMark}), false},
		{"not a peer", []string{"Global/EMEA"}, Reach([]string{"Global/APAC"}), false},
		{"not a peer named alike", []string{"Global/EMEA"}, Reach([]string{"Global/EMEA West"}), false},
		{"not one domain beyond", []string{"Global/EMEA"}, Reach([]string{"Global/EMEA", "Global/APAC"}), false},
		{"not an object bound to nothing", []string{"Global/EMEA"}, Reach(nil), false},
		{"parent read does not manage the parent's subtree", []string{"Global/EMEA/Paris"}, Reach([]string{"Global/EMEA"}), false},
		{"parent read covers the parent alone", []string{"Global/EMEA/Paris"},
			store.Scope{Domains: []string{"Global/EMEA/Paris"}, Exact: []string{"Global/EMEA"}}, true},
		{"no sibling alone", []string{"Global/EMEA/Paris"}, store.Scope{Exact: []string{"Global/EMEA/Berlin"}}, false},
		{"a stale assignment manages nothing", []string{"Global/Gone"}, Reach([]string{"Global/Gone"}), false},
		{"nothing assigned manages nothing", nil, Reach([]string{"Global/EMEA"}), false},
	}
	for _, tc := range tests {
		if got := tr.Manages(tc.assigned, tc.reach); got != tc.want {
			t.Errorf("%s: Manages(%q, %+v) = %v, want %v", tc.name, tc.assigned, tc.reach, got, tc.want)
		}
	}
}
