package migrate

// Until the numbering was shared (issue 14), each engine numbered its
// steps on its own: SQLite had 14 files, PostgreSQL 12, and the same step
// could carry different numbers (jobs was 004 in SQLite, 003 in
// PostgreSQL). A database made by such a release holds the old numbers in
// schema_migrations; Run translates them once by this table and then
// writes the marker row (SharedMarker), so that no step is applied twice
// or skipped. The same table is in docs/architecture.md, "Migrations".
//
//	shared  step             SQLite before  PostgreSQL before
//	   1    audit_log              1              1
//	   2    audit_log_recent       2              -  (no-op: no buffer table)
//	   3    accounts               3              2
//	   4    jobs                   4              3
//	   5    config_changes         5              4
//	   6    audit_objects          6              5
//	   7    saved_searches         7              6
//	   8    search_words           8              7
//	   9    job_params             9              8
//	  10    lifecycle             10              9
//	  11    forwarding            11             10
//	  12    audit_stats           12              -  (no-op: no hourly counts)
//	  13    task_result           13             11
//	  14    ip_network            14             12
//
// A shared version without an old number in an engine is a no-op file in
// that engine, so applying it after the translation changes nothing
// (TestLegacyNumbering).
var legacy = []struct{ shared, sqlite, postgres int }{
	{1, 1, 1},
	{2, 2, 0},
	{3, 3, 2},
	{4, 4, 3},
	{5, 5, 4},
	{6, 6, 5},
	{7, 7, 6},
	{8, 8, 7},
	{9, 9, 8},
	{10, 10, 9},
	{11, 11, 10},
	{12, 12, 0},
	{13, 13, 11},
	{14, 14, 12},
}

// SQLiteLegacy and PostgreSQLLegacy map the versions each engine wrote
// before the numbering was shared to the shared ones.
var (
	SQLiteLegacy     = legacyOf(func(s, _ int) int { return s })
	PostgreSQLLegacy = legacyOf(func(_, p int) int { return p })
)

func legacyOf(old func(sqlite, postgres int) int) map[int]int {
	m := map[int]int{}
	for _, l := range legacy {
		if v := old(l.sqlite, l.postgres); v != 0 {
			m[v] = l.shared
		}
	}
	return m
}
