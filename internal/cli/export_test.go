package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/client"
	"github.com/logbookhq/logbook/internal/server/servertest"
)

// runSplit executes the command line args and returns stdout and stderr
// apart, since an export writes its data to one and its summary to the other.
func runSplit(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

// exportFixture starts a server holding three entries and returns its URL
// and admin token.
func exportFixture(t *testing.T) (string, string) {
	t.Helper()
	f := servertest.New(t, servertest.Options{})
	entries := `{"user_name":"alice","application":"REST","task":"Login","result":"Success","description":"said \"hi\", then\nleft"}
{"user_name":"+bob","application":"REST","task":"Logout","result":"Success","affected_objects":[{"type":"Device","name":"mx1"},{"type":"Device","name":"mx2"}]}
{"user_name":"carol","application":"Other","task":"Login","result":"Failure"}
`
	c := client.New(f.URL, nil).WithToken(f.AdminToken)
	if n, err := ingest(context.Background(), c, strings.NewReader(entries), 10, func(int, float64) {}); err != nil || n != 3 {
		t.Fatalf("ingest = %d, %v", n, err)
	}
	return f.URL, f.AdminToken
}

func TestExportCommandCSVFile(t *testing.T) {
	url, token := exportFixture(t)
	file := filepath.Join(t.TempDir(), "audit.csv")
	_, stderr, err := runSplit(t, "export", "--server", url, "--token", token, "--format", "csv", "--output", file,
		"--application", "REST", "--sort", "-id", "--tz", "Europe/Berlin", "--bom")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "2 entries written to "+file) {
		t.Errorf("stderr = %q", stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Error("--bom: the file has no BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, b)
	}
	if len(rows) != 3 || rows[0][2] != "Timestamp (Europe/Berlin)" {
		t.Fatalf("rows = %q", rows)
	}
	user, desc, objs := slices.Index(rows[0], "User Name"), slices.Index(rows[0], "Description"), slices.Index(rows[0], "Affected Objects")
	if rows[1][user] != "'+bob" || rows[1][objs] != "Device:mx1; Device:mx2" || rows[2][user] != "alice" || rows[2][desc] != "said \"hi\", then\nleft" {
		t.Errorf("rows = %q", rows)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*part")); len(left) > 0 {
		t.Errorf("temporary files left behind: %q", left)
	}
}

func TestExportCommandNDJSONStdout(t *testing.T) {
	url, token := exportFixture(t)
	stdout, stderr, err := runSplit(t, "export", "--server", url, "--token", token, "--format", "ndjson", "--result", "Success")
	if err != nil {
		t.Fatal(err)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing when the export goes to stdout", stderr)
	}
	var users []string
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		var e client.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		users = append(users, e.UserName)
	}
	if !slices.Equal(users, []string{"alice", "+bob"}) {
		t.Errorf("users = %q", users)
	}
}

func TestExportCommandErrors(t *testing.T) {
	url, token := exportFixture(t)
	file := filepath.Join(t.TempDir(), "audit.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tz", "Mars/Olympus"}, "tz"},
		{[]string{"--format", "xml"}, "format"},
		{[]string{"--sort", "nope"}, "sort"},
		{[]string{"--token", "wrong"}, "401"},
	} {
		args := append([]string{"export", "--server", url, "--token", token, "--output", file}, tc.args...)
		if _, _, err := runSplit(t, args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want one naming %s", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("a refused export left %s behind (%v)", file, err)
	}
}

func TestRecordCounter(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		csv      bool
		want     int
	}{
		{"csv header only", "A,B\r\n", true, 0},
		{"csv quoted line breaks", "A,B\r\n1,\"x\r\ny\"\r\n2,\"say \"\"hi\"\"\r\n\"\r\n", true, 2},
		{"csv incomplete last row", "A,B\r\n1,2\r\n3,", true, 1},
		{"ndjson", "{\"a\":\"x\\ny\"}\n{}\n", false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Fed a byte at a time: a record may span reads.
			c := &recordCounter{csv: tc.csv}
			for i := range len(tc.in) {
				c.count([]byte{tc.in[i]})
			}
			if got := c.entries(); got != tc.want {
				t.Errorf("entries = %d, want %d", got, tc.want)
			}
		})
	}
}
