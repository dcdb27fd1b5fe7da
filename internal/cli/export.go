package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/logbookhq/logbook/client"
)

func newExportCmd() *cobra.Command {
	var server, token, format, output, sort, from, to, tz string
	var bom bool
	text := map[string]*[]string{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Download every audit log entry that the filters select, as CSV or NDJSON",
		Long: `Download audit log entries from a server into a file or standard output.

The export holds every entry the filters select (the filters of logbook
query), in id order unless --sort says otherwise, streamed: it takes the same
memory for a thousand entries as for millions. CSV is for spreadsheets (add
--bom for Excel and --tz for a column in your time zone); NDJSON has one
entry's API JSON per line. With --output the file appears only once the
export is complete.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := url.Values{"format": {format}}
			for name, vals := range text {
				for _, s := range *vals {
					v.Add(strings.ReplaceAll(name, "-", "_"), s)
				}
			}
			for name, s := range map[string]string{"sort": sort, "from": from, "to": to, "tz": tz} {
				if s != "" {
					v.Set(name, s)
				}
			}
			if bom {
				v.Set("bom", "true")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			progress := term.IsTerminal(int(os.Stderr.Fd()))
			var last time.Time
			report := func(n int, rate float64, done bool) {
				if progress && (done || time.Since(last) > 200*time.Millisecond) {
					last = time.Now()
					fmt.Fprintf(os.Stderr, "\r%d entries written (%.0f/s)", n, rate)
				}
			}
			n, err := exportTo(ctx, exportHTTPClient(), server, token, v, output, cmd.OutOrStdout(), report)
			if progress {
				fmt.Fprintln(os.Stderr)
			}
			if err != nil {
				return err
			}
			if output != "" && output != "-" {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d entries written to %s\n", n, output)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	clientFlags(fs, &server, &token)
	fs.StringVar(&format, "format", "csv", "csv or ndjson")
	fs.StringVarP(&output, "output", "o", "", "file to write; standard output when empty or -")
	for _, name := range []string{"user-name", "user-ip", "domain", "application", "workspace", "task", "result", "job-id", "object"} {
		text[name] = fs.StringArray(name, nil, "filter by "+strings.ReplaceAll(name, "-", " ")+" (repeatable)")
	}
	fs.Lookup("object").Usage = "filter by affected object, TYPE:NAME (repeatable)"
	fs.StringVar(&from, "from", "", "entries at or after this RFC 3339 time")
	fs.StringVar(&to, "to", "", "entries before this RFC 3339 time")
	fs.StringVar(&sort, "sort", "", "sort field, - for descending (default: id, the order of recording)")
	fs.BoolVar(&bom, "bom", false, "start a CSV file with a UTF-8 byte order mark, for Excel")
	fs.StringVar(&tz, "tz", "", "add a CSV column with the timestamp in this IANA time zone, such as Europe/Berlin")
	return cmd
}

// exportHTTPClient is the HTTP client of an export. The client package's
// clients time out after a minute, which a large export outlasts; this one
// bounds connecting and waiting for the answer to begin, not its length.
func exportHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
	}}
}

// exportTo streams an export with the query v into the file output (via a
// temporary file renamed at the end, so that a broken export leaves no
// complete-looking file) or, when output is empty or -, into stdout. It
// returns how many entries it wrote.
func exportTo(ctx context.Context, hc *http.Client, server, token string, v url.Values, output string, stdout io.Writer,
	progress func(n int, rate float64, done bool)) (int, error) {
	if output == "" || output == "-" {
		return export(ctx, hc, server, token, v, stdout, progress)
	}
	tmp, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*.part")
	if err != nil {
		return 0, fmt.Errorf("error creating the output file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	n, err := export(ctx, hc, server, token, v, tmp, progress)
	if err != nil {
		tmp.Close()
		return n, err
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("error writing %s: %w", output, err)
	}
	if err := os.Rename(tmp.Name(), output); err != nil {
		return n, fmt.Errorf("error writing %s: %w", output, err)
	}
	return n, nil
}

// export requests the export and copies the answer into w.
func export(ctx context.Context, hc *http.Client, server, token string, v url.Values, w io.Writer,
	progress func(n int, rate float64, done bool)) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		strings.TrimRight(server, "/")+"/api/v1/audit-logs/export?"+v.Encode(), nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		apiErr := &client.Error{Status: resp.StatusCode}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, apiErr) != nil || apiErr.Message == "" {
			apiErr.Message = strings.TrimSpace(string(b))
		}
		return 0, apiErr
	}
	counter := &recordCounter{csv: v.Get("format") != "ndjson"}
	start := time.Now()
	buf := make([]byte, 256<<10)
	for {
		m, rerr := resp.Body.Read(buf)
		if m > 0 {
			counter.count(buf[:m])
			if _, err := w.Write(buf[:m]); err != nil {
				return counter.entries(), fmt.Errorf("error writing the export: %w", err)
			}
			progress(counter.entries(), float64(counter.entries())/time.Since(start).Seconds(), false)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return counter.entries(), fmt.Errorf("the export broke off after %d entries: %w", counter.entries(), rerr)
		}
	}
	progress(counter.entries(), float64(counter.entries())/time.Since(start).Seconds(), true)
	return counter.entries(), nil
}

// recordCounter counts the records of a streamed export without parsing
// it: NDJSON records are lines; CSV records end at a line break outside
// quotes (RFC 4180 doubles a quote inside a quoted field, which toggles
// twice), and the first is the header.
type recordCounter struct {
	csv     bool
	quoted  bool
	records int
}

func (c *recordCounter) count(p []byte) {
	for _, b := range p {
		switch {
		case b == '"' && c.csv:
			c.quoted = !c.quoted
		case b == '\n' && !c.quoted:
			c.records++
		}
	}
}

// entries is the number of complete entries counted so far.
func (c *recordCounter) entries() int {
	if c.csv {
		return max(c.records-1, 0)
	}
	return c.records
}
