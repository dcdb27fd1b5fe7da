package access

import (
	"slices"
	"strings"
	"testing"
)

// allActions is every action the package defines; the permission tests walk
// all of them so that a grant nobody meant shows up as a failure.
var allActions = []Action{
	ViewAuditLogs, ExportAuditLogs, PurgeAuditLogs, ManageForwarding, ManageAuditSettings, IngestAuditLogs,
	ViewAllJobs, ManageJobs, ManageUsers, ManageDomains, ManageTokens, ReadLog,
}

func TestRoleCan(t *testing.T) {
	tests := []struct {
		role Role
		want []Action
	}{
		{RoleSuperAdmin, allActions},
		{RoleAuditLogAdmin, []Action{ViewAuditLogs, ExportAuditLogs, PurgeAuditLogs, ManageForwarding, ManageAuditSettings, ReadLog}},
		{RoleJobAdmin, []Action{ViewAllJobs, ManageJobs}},
		{RoleUserAdmin, []Action{ManageUsers, ManageDomains, ManageTokens}},
		{RoleUser, nil},
		{Role("root"), nil},
		{Role(""), nil},
		{Role("Super-Admin"), nil},
	}
	for _, tt := range tests {
		s := Subject{Kind: KindUser, Name: "alice", Roles: []Role{tt.role}, Domains: []string{"Global"}}
		for _, a := range allActions {
			if got, want := s.Can(a), slices.Contains(tt.want, a); got != want {
				t.Errorf("role %q Can(%s) = %v, want %v", tt.role, a, got, want)
			}
		}
	}
}

func TestRoleCanCombined(t *testing.T) {
	s := Subject{Kind: KindUser, Name: "bob", Roles: []Role{RoleUser, RoleJobAdmin, RoleUserAdmin}}
	want := []Action{ViewAllJobs, ManageJobs, ManageUsers, ManageDomains, ManageTokens}
	for _, a := range allActions {
		if got := s.Can(a); got != slices.Contains(want, a) {
			t.Errorf("job-admin+user-admin Can(%s) = %v", a, got)
		}
	}
}

func TestTokenScopeCan(t *testing.T) {
	tests := []struct {
		scope TokenScope
		want  []Action
	}{
		{ScopeIngest, []Action{IngestAuditLogs}},
		{ScopeRead, []Action{ViewAuditLogs, ExportAuditLogs, ViewAllJobs, ReadLog}},
		{ScopeIntegrity, []Action{ReadLog}},
		{ScopeAdmin, allActions},
		{TokenScope("write"), nil},
		{TokenScope(""), nil},
		{TokenScope("ADMIN"), nil},
	}
	for _, tt := range tests {
		s := Subject{Kind: KindToken, Name: "collector", TokenID: 7, Scopes: []TokenScope{tt.scope}, Domains: []string{"Global"}}
		for _, a := range allActions {
			if got, want := s.Can(a), slices.Contains(tt.want, a); got != want {
				t.Errorf("scope %q Can(%s) = %v, want %v", tt.scope, a, got, want)
			}
		}
	}
}

func TestCanKeepsRolesAndScopesApart(t *testing.T) {
	tests := []struct {
		name string
		s    Subject
	}{
		{"zero subject", Subject{}},
		{"no kind with role and scope", Subject{Name: "x", Roles: []Role{RoleSuperAdmin}, Scopes: []TokenScope{ScopeAdmin}, Domains: []string{"Global"}}},
		{"unknown kind", Subject{Kind: "robot", Name: "x", Roles: []Role{RoleSuperAdmin}, Scopes: []TokenScope{ScopeAdmin}}},
		{"user holding a token scope", Subject{Kind: KindUser, Name: "x", Scopes: []TokenScope{ScopeAdmin}}},
		{"token holding a role", Subject{Kind: KindToken, Name: "x", Roles: []Role{RoleSuperAdmin}}},
		{"user without roles", Subject{Kind: KindUser, Name: "x"}},
		{"token without scopes", Subject{Kind: KindToken, Name: "x"}},
	}
	for _, tt := range tests {
		for _, a := range allActions {
			if tt.s.Can(a) {
				t.Errorf("%s: Can(%s) = true, want false", tt.name, a)
			}
		}
	}
}

func TestSource(t *testing.T) {
	tests := []struct {
		s    Subject
		want string
	}{
		{Subject{Kind: KindUser, Name: "admin"}, "user:admin"},
		{Subject{Kind: KindToken, Name: "space-prod", TokenID: 3}, "token:space-prod"},
		{Subject{Kind: KindUser, Name: "a:b"}, "user:a:b"},
		{Subject{}, ""},
		{Subject{Kind: "robot", Name: "x"}, ""},
	}
	for _, tt := range tests {
		if got := tt.s.Source(); got != tt.want {
			t.Errorf("%+v.Source() = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "admin", "Super-Admin", " super-admin", "Super Administrator"} {
		_, err := ParseRole(s)
		if err == nil {
			t.Errorf("ParseRole(%q) succeeded, want an error", s)
			continue
		}
		for _, r := range Roles {
			if !strings.Contains(err.Error(), string(r)) {
				t.Errorf("ParseRole(%q) error %q does not name %q", s, err, r)
			}
		}
	}
}

func TestRoleLabel(t *testing.T) {
	tests := []struct {
		r    Role
		want string
	}{
		{RoleSuperAdmin, "Super Administrator"},
		{RoleAuditLogAdmin, "Audit Log Administrator"},
		{RoleJobAdmin, "Job Administrator"},
		{RoleUserAdmin, "User Administrator"},
		{RoleUser, "User"},
		{Role("legacy"), "legacy"},
	}
	for _, tt := range tests {
		if got := tt.r.Label(); got != tt.want {
			t.Errorf("%q.Label() = %q, want %q", tt.r, got, tt.want)
		}
	}
	if len(Roles) != 5 {
		t.Errorf("Roles has %d roles, want 5", len(Roles))
	}
}

func TestParseTokenScope(t *testing.T) {
	tests := []struct {
		in   string
		want TokenScope
		ok   bool
	}{
		{"ingest", ScopeIngest, true},
		{"read", ScopeRead, true},
		{"integrity", ScopeIntegrity, true},
		{"admin", ScopeAdmin, true},
		{"", "", false},
		{"write", "", false},
		{"Read", "", false},
	}
	for _, tt := range tests {
		got, err := ParseTokenScope(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseTokenScope(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "ingest, read, integrity, admin") {
			t.Errorf("ParseTokenScope(%q) error %q does not name the valid scopes", tt.in, err)
		}
	}
}
