package engine

import (
	"context"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for db, want := range map[string]string{
		"":                                   "",
		"postgres://u@h:5432/d":              "",
		"postgresql://u@h/d?sslmode=disable": "",
		"mysql://u@h/d":                      "only postgres://",
		"./logbook.db":                       "must be a postgres:// URL",
	} {
		err := Check(db)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("Check(%q) = %v, want %q", db, err, want)
		}
	}
}

func TestOpenFreshSQLite(t *testing.T) {
	st, cleanup, err := OpenFresh(context.Background(), "", t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	cleanup()
}
