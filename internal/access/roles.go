// Package access decides who may do what in Logbook: the roles of users and
// the scopes of API tokens, the actions they permit, the domain tree that
// bounds what a subject sees and writes, and the secrets (password hashes,
// token and session ids) that prove who a subject is. It is pure logic: the
// only I/O it does is reading crypto/rand, so every rule here can be tested
// without a database or a server.
package access

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a user is allowed to do. The ids are stored with each user
// and appear in the API, so they never change; Label gives the name the UI
// shows, the one Junos Space administrators know.
type Role string

// The roles of Logbook, after the predefined roles of Junos Space.
const (
	RoleSuperAdmin    Role = "super-admin"     // Super Administrator: everything
	RoleAuditLogAdmin Role = "audit-log-admin" // Audit Log Administrator: view audit logs, export, archive/purge, forwarding
	RoleJobAdmin      Role = "job-admin"       // Job Administrator: see and manage all jobs
	RoleUserAdmin     Role = "user-admin"      // User Administrator: users, domains, tokens
	RoleUser          Role = "user"            // plain user: own jobs only, no audit logs
)

// Roles lists every role in the order forms and listings show them.
var Roles = []Role{RoleSuperAdmin, RoleAuditLogAdmin, RoleJobAdmin, RoleUserAdmin, RoleUser}

// ParseRole turns a role id from a form, a flag or the API into a Role. It
// refuses unknown ids, naming the valid ones, so that a typo is reported
// when a user is saved rather than silently granting nothing later.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	ids := make([]string, len(Roles))
	for i, r := range Roles {
		ids[i] = string(r)
	}
	return "", fmt.Errorf("unknown role %q: must be one of %s", s, strings.Join(ids, ", "))
}

// Label returns the name the UI shows for r. An unknown role shows its id,
// so that a stored value the code no longer knows stays visible to an
// administrator instead of disappearing.
func (r Role) Label() string {
	switch r {
	case RoleSuperAdmin:
		return "Super Administrator"
	case RoleAuditLogAdmin:
		return "Audit Log Administrator"
	case RoleJobAdmin:
		return "Job Administrator"
	case RoleUserAdmin:
		return "User Administrator"
	case RoleUser:
		return "User"
	}
	return string(r)
}

// TokenScope is what an API token is allowed to do. Tokens carry scopes
// rather than roles because a machine that reports entries should hold a
// credential that can do nothing else.
type TokenScope string

// The scopes of API tokens.
const (
	ScopeIngest TokenScope = "ingest" // report audit log entries, nothing else
	ScopeRead   TokenScope = "read"   // read and export audit logs and jobs
	// ScopeIntegrity reads the verifiable log's tiles and checkpoints,
	// which hold no audit content: for outside verifiers and monitors.
	ScopeIntegrity TokenScope = "integrity"
	ScopeAdmin     TokenScope = "admin" // every action
)

// tokenScopes lists every scope in the order forms and listings show them.
var tokenScopes = []TokenScope{ScopeIngest, ScopeRead, ScopeIntegrity, ScopeAdmin}

// ParseTokenScope turns a scope id into a TokenScope, refusing unknown ids
// (and naming the valid ones) for the same reason as ParseRole.
func ParseTokenScope(s string) (TokenScope, error) {
	for _, v := range tokenScopes {
		if string(v) == s {
			return v, nil
		}
	}
	ids := make([]string, len(tokenScopes))
	for i, v := range tokenScopes {
		ids[i] = string(v)
	}
	return "", fmt.Errorf("unknown token scope %q: must be one of %s", s, strings.Join(ids, ", "))
}

// Action is one thing a subject may be allowed to do. Handlers ask
// Subject.Can for an action rather than checking roles themselves, so that
// the whole permission table lives in this file.
type Action string

// The actions Logbook checks.
const (
	ViewAuditLogs    Action = "view-audit-logs"
	ExportAuditLogs  Action = "export-audit-logs"
	PurgeAuditLogs   Action = "purge-audit-logs"
	ManageForwarding Action = "manage-forwarding"
	// ManageAuditSettings changes the audit log settings (recording of GET
	// requests, logging of successes, forwarding interval, retention).
	ManageAuditSettings Action = "manage-audit-settings"
	IngestAuditLogs     Action = "ingest-audit-logs"
	ViewAllJobs         Action = "view-all-jobs"
	ManageJobs          Action = "manage-jobs"
	ManageUsers         Action = "manage-users"
	ManageDomains       Action = "manage-domains"
	ManageTokens        Action = "manage-tokens"
	// ReadLog reads the verifiable log (/log/ tiles and checkpoints,
	// consistency proofs): counts, times and domain numbers, no content.
	ReadLog Action = "read-log"
)

// roleActions is the permission table of users. A role that is missing
// (RoleUser, or an id the code does not know) grants nothing, so the table
// fails closed. Super administrators are handled apart: they may do
// everything, including actions added later.
var roleActions = map[Role][]Action{
	RoleAuditLogAdmin: {ViewAuditLogs, ExportAuditLogs, PurgeAuditLogs, ManageForwarding, ManageAuditSettings, ReadLog},
	RoleJobAdmin:      {ViewAllJobs, ManageJobs},
	RoleUserAdmin:     {ManageUsers, ManageDomains, ManageTokens},
}

// scopeActions is the permission table of API tokens; ScopeAdmin is handled
// apart like RoleSuperAdmin.
var scopeActions = map[TokenScope][]Action{
	ScopeIngest:    {IngestAuditLogs},
	ScopeRead:      {ViewAuditLogs, ExportAuditLogs, ViewAllJobs, ReadLog},
	ScopeIntegrity: {ReadLog},
}

// SubjectKind says whether a subject is a person or a machine.
type SubjectKind string

// The kinds of subject.
const (
	KindUser  SubjectKind = "user"
	KindToken SubjectKind = "token"
)

// Subject is who makes a request: a signed-in user or an API token. It is
// built once per request by the authentication layer and passed down, so
// that every decision below is made from the same snapshot.
type Subject struct {
	Kind    SubjectKind // KindUser or KindToken
	Name    string      // user name or token name
	TokenID int64
	Roles   []Role       // users
	Scopes  []TokenScope // tokens
	Domains []string     // assigned domains
}

// Can reports whether s may perform a. A user's permissions come from its
// roles only and a token's from its scopes only, so a token can never
// borrow a role by accident; the zero Subject (an unauthenticated request
// that slipped through) can do nothing.
func (s Subject) Can(a Action) bool {
	switch s.Kind {
	case KindUser:
		for _, r := range s.Roles {
			if r == RoleSuperAdmin || slices.Contains(roleActions[r], a) {
				return true
			}
		}
	case KindToken:
		for _, sc := range s.Scopes {
			if sc == ScopeAdmin || slices.Contains(scopeActions[sc], a) {
				return true
			}
		}
	}
	return false
}

// Source returns what the source field of an audit log entry says for
// entries s reports: "user:<name>" or "token:<name>". The prefix keeps a
// user and a token of the same name apart, since the source is part of the
// key that makes ingestion idempotent. A subject of no known kind has no
// source.
func (s Subject) Source() string {
	switch s.Kind {
	case KindUser, KindToken:
		return string(s.Kind) + ":" + s.Name
	}
	return ""
}
