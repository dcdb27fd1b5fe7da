package configdiff

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// toolCases are inputs for the comparisons with diff(1), patch(1) and git.
func toolCases() map[string][2]string {
	cfg := junosConfig(21, 40<<10)
	edited := junosEdit(cfg, 22, 0.03)
	crlf := strings.ReplaceAll(cfg, "\n", "\r\n")
	return map[string][2]string{
		"junos edit":          {cfg, edited},
		"set style edit":      {setStyle(cfg), setStyle(edited)},
		"empty before":        {"", "a\nb\n"},
		"empty after":         {"a\nb\n", ""},
		"newline added":       {"a\nb\nc", "a\nb\nc\n"},
		"newline dropped":     {"a\nb\nc\n", "a\nb\nc"},
		"no newline, changed": {"a\nb\nc", "a\nB\nc"},
		"CRLF edit":           {crlf, strings.ReplaceAll(edited, "\n", "\r\n")},
		"CRLF to LF":          {crlf, cfg},
	}
}

// TestUnifiedMatchesGNUDiff compares Unified with `diff -u` where the diff
// is unambiguous, header for header and line for line.
func TestUnifiedMatchesGNUDiff(t *testing.T) {
	diff, err := exec.LookPath("diff")
	if err != nil {
		t.Skip("no diff(1) here")
	}
	cases := toolCases()
	for _, name := range []string{"junos edit", "empty before", "empty after", "newline added", "newline dropped", "no newline, changed", "CRLF to LF"} {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			write(t, a, c[0])
			write(t, b, c[1])
			for _, context := range []string{"0", "3"} {
				out, err := exec.Command(diff, "-U"+context, "--label", "old", "--label", "new", a, b).Output()
				var exit *exec.ExitError
				if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
					t.Fatal(err)
				}
				n := int(context[0] - '0')
				if got := Unified(c[0], c[1], "old", "new", n); got != string(out) {
					t.Fatalf("-U%s: Unified and diff -u differ\nUnified:\n%s\ndiff -u:\n%s", context, got, out)
				}
			}
		})
	}
}

// TestUnifiedAppliesWithPatchAndGit feeds Unified's output to patch -p0
// and git apply and wants after back.
func TestUnifiedAppliesWithPatchAndGit(t *testing.T) {
	tools := map[string][]string{
		"patch":     {"patch", "-p0", "--quiet", "--batch"},
		"git apply": {"git", "apply", "-p0", "--unidiff-zero", "--whitespace=nowarn"},
	}
	for tool, argv := range tools {
		if _, err := exec.LookPath(argv[0]); err != nil {
			t.Logf("no %s here", argv[0])
			continue
		}
		for name, c := range toolCases() {
			for _, context := range []int{0, 3} {
				if tool == "git apply" && (c[0] == "" || c[1] == "") {
					continue // git wants /dev/null headers to create or empty a file
				}
				dir := t.TempDir()
				file := filepath.Join(dir, "running.conf")
				write(t, file, c[0])
				cmd := exec.Command(argv[0], argv[1:]...)
				cmd.Dir = dir
				cmd.Stdin = strings.NewReader(Unified(c[0], c[1], "running.conf", "running.conf", context))
				var stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stderr, &stderr
				if err := cmd.Run(); err != nil {
					t.Errorf("%s, %s, context %d: %v\n%s", tool, name, context, err, stderr.String())
					continue
				}
				got, err := os.ReadFile(file)
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				if string(got) != c[1] {
					t.Errorf("%s, %s, context %d: the patched file differs from after", tool, name, context)
				}
			}
		}
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
