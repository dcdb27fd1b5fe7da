package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/logbookhq/logbook/client"
)

func newIngestCmd() *cobra.Command {
	var server, token string
	var batch int
	cmd := &cobra.Command{
		Use:   "ingest FILE|-",
		Short: "Send audit log entries from an NDJSON file or a JSON array to a server",
		Long: `Send audit log entries to a Logbook server, in batches.

The input is newline-delimited JSON (one entry per line) or a JSON array of
entries, read from FILE or, with -, from standard input. Give every entry an
event_id to make a repeated run store nothing twice.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if batch < 1 || batch > 1000 {
				return errors.New("batch: must be from 1 to 1000")
			}
			in := io.Reader(os.Stdin)
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			progress := term.IsTerminal(int(os.Stderr.Fd()))
			n, err := ingest(cmd.Context(), client.New(server, nil).WithToken(token), in, batch, func(sent int, rate float64) {
				if progress {
					fmt.Fprintf(os.Stderr, "\r%d entries stored (%.0f/s)", sent, rate)
				}
			})
			if progress {
				fmt.Fprintln(os.Stderr)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d entries stored\n", n)
			return err
		},
	}
	clientFlags(cmd.Flags(), &server, &token)
	cmd.Flags().IntVar(&batch, "batch", 500, "entries per request (1-1000)")
	return cmd
}

// ingest streams entries from r to the server in batches and returns how
// many were stored. A refused batch stops it with the position of the bad
// entry in the input.
func ingest(ctx context.Context, c *client.Client, r io.Reader, batch int, progress func(int, float64)) (int, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	dec := json.NewDecoder(br)
	first, err := peekNonSpace(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, nil
		}
		return 0, err
	}
	if first == '[' {
		if _, err := dec.Token(); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	stored := 0
	var buf bytes.Buffer
	pending := 0
	flush := func() error {
		if pending == 0 {
			return nil
		}
		buf.WriteByte(']')
		if _, err := c.IngestJSON(ctx, buf.Bytes()); err != nil {
			var apiErr *client.Error
			if errors.As(err, &apiErr) && len(apiErr.Fields) > 0 {
				return fmt.Errorf("entries %d to %d were refused, nothing of them stored: %s (field %s: %s)",
					stored+1, stored+pending, apiErr.Message, apiErr.Fields[0].Field, apiErr.Fields[0].Reason)
			}
			return fmt.Errorf("entries %d to %d: %w", stored+1, stored+pending, err)
		}
		stored += pending
		pending = 0
		buf.Reset()
		progress(stored, float64(stored)/time.Since(start).Seconds())
		return nil
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return stored, fmt.Errorf("entry %d: %w", stored+pending+1, err)
		}
		if pending == 0 {
			buf.WriteByte('[')
		} else {
			buf.WriteByte(',')
		}
		buf.Write(raw)
		pending++
		if pending == batch {
			if err := flush(); err != nil {
				return stored, err
			}
		}
	}
	return stored, flush()
}

func peekNonSpace(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			return b, r.UnreadByte()
		}
	}
}
