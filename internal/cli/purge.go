package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/internal/archive"
	"github.com/logbookhq/logbook/internal/store"
)

// newPurgeCmd schedules an archive/purge through the API rather than on
// the database directly: the server's job runs it, under the lock that
// keeps purges apart across replicas, with the same checks and audit
// trail as the page; a SQLite database belongs to its one server process.
func newPurgeCmd() *cobra.Command {
	var server, token, before, domain, format, start, recurrence string
	var remote archive.Remote
	var days int
	var allDomains, noArchive, wait bool
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Archive and purge old audit log entries (runs as a job on the server)",
		Long: `Schedule an archive/purge job on a server (POST /api/v1/archive-purge).

Entries recorded before --before, or older than --older-than-days (default
90), in your current domain (--domain, default your first) and below, or
in all your domains (--all-domains), are archived first (unless
--no-archive) to the server's archive directory or, with --remote-host, to
an SFTP server whose --remote-host-key is checked, then deleted. --wait
follows the job until it ends. The token needs the admin scope.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := archive.Request{AllDomains: allDomains, Domain: domain, Format: format}
			if before != "" {
				in.Before = &before
			} else if cmd.Flags().Changed("older-than-days") {
				in.OlderThanDays = &days
			}
			archiveOn := !noArchive
			in.Archive = &archiveOn
			if remote.Host != "" {
				in.Remote = &remote
			}
			if start != "" || recurrence != "" {
				in.Schedule = &archive.Schedule{Recurrence: strings.ReplaceAll(recurrence, `\n`, "\n")}
				if start != "" {
					in.Schedule.Start = &start
				}
			}
			body, _ := json.Marshal(in)
			var out struct {
				JobID int64 `json:"job_id"`
			}
			if err := apiCall(cmd.Context(), http.MethodPost, server, token, "/api/v1/archive-purge", body, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "archive/purge scheduled as job %d\n", out.JobID)
			if !wait {
				return nil
			}
			for {
				var j struct {
					State, Summary, Note string
					Percent              int
				}
				if err := apiCall(cmd.Context(), http.MethodGet, server, token, fmt.Sprintf("/api/v1/jobs/%d", out.JobID), nil, &j); err != nil {
					return err
				}
				switch j.State {
				case store.JobSuccess:
					fmt.Fprintln(cmd.OutOrStdout(), j.Summary)
					return nil
				case store.JobFailure, store.JobCanceled:
					return fmt.Errorf("job %d ended %s: %s", out.JobID, j.State, j.Note)
				}
				select {
				case <-cmd.Context().Done():
					return cmd.Context().Err()
				case <-time.After(time.Second):
				}
			}
		},
	}
	fs := cmd.Flags()
	clientFlags(fs, &server, &token)
	fs.StringVar(&before, "before", "", "purge entries recorded before this RFC 3339 time")
	fs.IntVar(&days, "older-than-days", archive.DefaultOlderThanDays, "purge entries older than this many days")
	fs.StringVar(&domain, "domain", "", "current domain (default: your first); the purge covers it and below")
	fs.BoolVar(&allDomains, "all-domains", false, "purge in all your domains")
	fs.BoolVar(&noArchive, "no-archive", false, "delete without archiving first")
	fs.StringVar(&format, "format", "csv", "archive format: csv or ndjson (every field; verifiable)")
	fs.StringVar(&remote.Host, "remote-host", "", "SFTP server to archive to")
	fs.IntVar(&remote.Port, "remote-port", 22, "SFTP port")
	fs.StringVar(&remote.User, "remote-user", "", "SFTP user")
	fs.StringVar(&remote.Password, "remote-password", "", "SFTP password")
	fs.StringVar(&remote.PrivateKey, "remote-private-key", "", "SFTP private key (PEM or OpenSSH text)")
	fs.StringVar(&remote.HostKey, "remote-host-key", "", "the SFTP server's host key (known_hosts line or public key)")
	fs.StringVar(&remote.Dir, "remote-dir", "", "directory on the SFTP server")
	fs.StringVar(&start, "start", "", "start at this RFC 3339 time instead of now")
	fs.StringVar(&recurrence, "recurrence", "", `RFC 5545 recurrence, lines separated by \n (DTSTART:20300101T020000Z\nRRULE:FREQ=DAILY)`)
	fs.BoolVar(&wait, "wait", false, "wait for the job to end and print its summary")
	return cmd
}

// apiCall sends a JSON request to the server and decodes the answer.
func apiCall(ctx context.Context, method, server, token, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(server, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(b, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return fmt.Errorf("%s %s: %d: %s", method, path, resp.StatusCode, e.Error)
	}
	return json.Unmarshal(b, out)
}
