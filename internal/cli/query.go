package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/client"
)

func newQueryCmd() *cobra.Command {
	var server, token, output, cursor, sort, from, to string
	var limit int
	text := map[string]*[]string{}
	cmd := &cobra.Command{
		Use:   "query",
		Short: "List audit log entries with the filters of the API",
		Long: `List audit log entries from a server, newest first unless --sort says otherwise.

Text filters match exactly, or by prefix when the value ends in *; a filter
given several times matches any of its values.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := url.Values{}
			for name, vals := range text {
				for _, s := range *vals {
					v.Add(strings.ReplaceAll(name, "-", "_"), s)
				}
			}
			for name, s := range map[string]string{"sort": sort, "from": from, "to": to, "cursor": cursor} {
				if s != "" {
					v.Set(name, s)
				}
			}
			v.Set("limit", strconv.Itoa(limit))
			page, err := client.New(server, nil).WithToken(token).List(cmd.Context(), v)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch output {
			case "json":
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(page)
			case "table":
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tTIMESTAMP (UTC)\tUSER\tUSER IP\tDOMAIN\tAPPLICATION\tTASK\tRESULT\tJOB ID\tDESCRIPTION")
				for _, e := range page.AuditLogs {
					job := ""
					if e.JobID != 0 {
						job = strconv.FormatInt(e.JobID, 10)
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Timestamp.UTC().Format(time.DateTime),
						e.UserName, e.UserIP, e.Domain, e.Application, e.Task, e.Result, job, oneLine(e.Description, 80))
				}
				tw.Flush()
				total := strconv.Itoa(page.Total)
				if page.TotalCapped {
					total += "+"
				}
				fmt.Fprintf(out, "%d shown of %s", len(page.AuditLogs), total)
				if page.NextCursor != "" {
					fmt.Fprintf(out, "; next page: --cursor %s", page.NextCursor)
				}
				fmt.Fprintln(out)
				return nil
			}
			return fmt.Errorf("output: %q is not table or json", output)
		},
	}
	fs := cmd.Flags()
	clientFlags(fs, &server, &token)
	for _, name := range []string{"user-name", "user-ip", "domain", "application", "workspace", "task", "result", "job-id"} {
		text[name] = fs.StringArray(name, nil, "filter by "+strings.ReplaceAll(name, "-", " ")+" (repeatable)")
	}
	fs.StringVar(&from, "from", "", "entries at or after this RFC 3339 time")
	fs.StringVar(&to, "to", "", "entries before this RFC 3339 time")
	fs.StringVar(&sort, "sort", "-timestamp", "sort field, - for descending")
	fs.IntVar(&limit, "limit", 50, "entries per page (1-1000)")
	fs.StringVar(&cursor, "cursor", "", "continue from a cursor that an earlier page printed")
	fs.StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
