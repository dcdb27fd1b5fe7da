package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbookhq/logbook/client"
)

func newTailCmd() *cobra.Command {
	var server, token, q string
	var every time.Duration
	var last int
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print new audit log entries as they are recorded",
		Long: `Print the last --lines entries, then every new entry as it is recorded,
until interrupted. --q narrows both to a search (the grid's language).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if every < 100*time.Millisecond {
				return fmt.Errorf("every: must be at least 100ms")
			}
			c := client.New(server, nil).WithToken(token)
			return tail(cmd.Context(), c, q, last, every, func(e client.Entry) {
				job := ""
				if e.JobID != 0 {
					job = " job " + strconv.FormatInt(e.JobID, 10)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d %s %s@%s %s %s: %s [%s]%s %s\n", e.ID, e.Timestamp.UTC().Format(time.RFC3339),
					e.UserName, e.UserIP, e.Domain, e.Application, e.Task, e.Result, job, oneLine(e.Description, 120))
			})
		},
	}
	clientFlags(cmd.Flags(), &server, &token)
	cmd.Flags().StringVar(&q, "q", "", "search that selects the entries to follow")
	cmd.Flags().IntVarP(&last, "lines", "n", 10, "entries to print first")
	cmd.Flags().DurationVar(&every, "every", time.Second, "how often to ask for new entries")
	return cmd
}

// tail prints the last entries, then follows new ones by id until ctx ends.
func tail(ctx context.Context, c *client.Client, q string, last int, every time.Duration, print func(client.Entry)) error {
	if ctx == nil {
		ctx = context.Background()
	}
	v := url.Values{"sort": {"-id"}, "limit": {strconv.Itoa(max(1, min(last, 1000)))}}
	if q != "" {
		v.Set("q", q)
	}
	page, err := c.List(ctx, v)
	if err != nil {
		return err
	}
	var after int64
	for i := len(page.AuditLogs) - 1; i >= 0; i-- {
		if last > 0 {
			print(page.AuditLogs[i])
		}
		after = max(after, page.AuditLogs[i].ID)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		for {
			v := url.Values{"sort": {"id"}, "limit": {"1000"}, "after_id": {strconv.FormatInt(after, 10)}}
			if q != "" {
				v.Set("q", q)
			}
			page, err := c.List(ctx, v)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				var apiErr *client.Error
				if errors.As(err, &apiErr) && apiErr.Status < 500 {
					return err // a refused search or token does not get better by waiting
				}
				break // the server may be restarting: try again at the next tick
			}
			for _, e := range page.AuditLogs {
				print(e)
				after = e.ID
			}
			if len(page.AuditLogs) < 1000 {
				break
			}
		}
	}
}
