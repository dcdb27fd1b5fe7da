package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// Handler is the archive-purge job handler for the scheduler.
func (s *Service) Handler() job.HandlerFunc { return s.Run }

// Outcome is what one purge did.
type Outcome struct {
	Cut        time.Time
	Matched    int64
	Archived   int64
	Deleted    int64
	Archive    string
	SHA256     string
	Anchor     store.Anchor
	Partitions []string
}

// Run runs an archive/purge job: it takes the purge lock (failing at once
// if another purge holds it), archives every entry it will delete and
// makes the archive durable, then deletes in batches, and records the
// purge in the audit log however it ends. A cancel (ctx) while archiving
// deletes nothing; while deleting it stops after the current batch, and
// every entry deleted by then is in the archive.
func (s *Service) Run(ctx context.Context, j store.Job, report func(int)) (string, error) {
	p, err := ParseParams(j.Params)
	if err != nil {
		return "", err
	}
	out, err := s.purge(ctx, j, p, report)
	rctx := context.WithoutCancel(ctx)
	if rerr := s.record(rctx, j, p, out, err); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return "", err
	}
	return summary(out), nil
}

func summary(out Outcome) string {
	s := fmt.Sprintf("purged %d audit log entries recorded before %s", out.Deleted, audit.FormatTime(out.Cut))
	if out.Archive != "" {
		s += "; archived to " + out.Archive + " (sha256 " + out.SHA256 + ")"
	}
	if len(out.Partitions) > 0 {
		s += "; dropped partitions " + strings.Join(out.Partitions, ", ")
	}
	return s
}

func (s *Service) purge(ctx context.Context, j store.Job, p Params, report func(int)) (Outcome, error) {
	var out Outcome
	release, ok, err := s.st.TryLock(ctx, LockName)
	if err != nil {
		return out, fmt.Errorf("error taking the archive/purge lock: %w", err)
	}
	if !ok {
		return out, ErrBusy
	}
	defer release()
	if err := s.reconcile(ctx); err != nil {
		return out, fmt.Errorf("error stating earlier purges; nothing was deleted: %w", err)
	}
	if out.Cut, err = p.Cut(s.opts.Now()); err != nil {
		return out, err
	}
	head, _, err := s.st.Head(ctx)
	if err != nil {
		return out, err
	}
	spec := store.PurgeSpec{Scope: p.Scope(), Before: out.Cut, MaxID: head}
	if out.Matched, err = s.st.CountPurge(ctx, spec); err != nil {
		return out, err
	}
	if out.Matched == 0 {
		return out, nil
	}
	deleteFrom := 0
	if p.Archive {
		a, err := s.writeArchive(ctx, spec, p, out.Matched, func(n int64) { report(int(n * 50 / out.Matched)) })
		if err != nil {
			return out, fmt.Errorf("archiving failed; nothing was deleted: %w", err)
		}
		out.Archive, out.SHA256, out.Archived = a.name, a.sha256, a.count
		if a.count != out.Matched {
			return out, fmt.Errorf("the archive holds %d entries but %d match; nothing was deleted", a.count, out.Matched)
		}
		// Only what the archive holds may go: never an entry past its
		// last id (the entries are immutable; new ones have higher ids).
		spec.MaxID = a.lastID
		deleteFrom = 50
	}
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("canceled after archiving; nothing was deleted: %w", err)
	}
	anchor, err := s.st.BeginPurge(ctx, store.Anchor{JobID: j.ID, Before: out.Cut, Domains: store.ScopeDomains(spec.Scope),
		Archive: out.Archive, ArchiveSHA256: out.SHA256})
	if err != nil {
		return out, err
	}
	out.Anchor = anchor
	if err := s.stateBegin(ctx, j, anchor, spec, out.Matched); err != nil {
		ferr := s.st.FinishPurge(context.WithoutCancel(ctx), anchor.ID, store.PurgeFailed, err.Error())
		return out, errors.Join(fmt.Errorf("nothing was deleted: %w", err), ferr)
	}
	progress := func() { report(deleteFrom + int(out.Deleted*int64(99-deleteFrom)/out.Matched)) }
	n, parts, err := s.st.DropPartitions(ctx, anchor.ID, spec)
	out.Deleted += n
	out.Partitions = parts
	progress()
	for err == nil {
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
			break
		}
		n, err = s.st.PurgeBatch(ctx, anchor.ID, spec, s.opts.BatchSize)
		out.Deleted += n
		progress()
		if n == 0 {
			break
		}
	}
	state, note := store.PurgeDone, ""
	if err != nil {
		state, note = store.PurgeFailed, err.Error()
		if ctx.Err() != nil {
			state, note = store.PurgeCanceled, fmt.Sprintf("canceled after %d of %d entries", out.Deleted, out.Matched)
		}
	}
	fctx := context.WithoutCancel(ctx)
	if ferr := s.st.FinishPurge(fctx, anchor.ID, state, note); ferr != nil {
		err = errors.Join(err, ferr)
	}
	if as, aerr := s.st.Anchors(fctx, 20); aerr == nil {
		for _, a := range as {
			if a.ID == anchor.ID {
				out.Anchor = a
			}
		}
	}
	if err != nil {
		return out, fmt.Errorf("purge stopped after %d of %d entries (all of them archived): %w", out.Deleted, out.Matched, err)
	}
	return out, nil
}

// record writes the purge's audit entry. It is recorded after the purge
// with an id above every entry the purge could select, so a purge never
// deletes its own record.
func (s *Service) record(ctx context.Context, j store.Job, p Params, out Outcome, runErr error) error {
	user := j.Owner
	if user == "" {
		user = "logbook"
	}
	result := audit.ResultSuccess
	desc := fmt.Sprintf("Archive/purge job %d: %s.", j.ID, summary(out))
	if runErr != nil {
		result = audit.ResultFailure
		desc = fmt.Sprintf("Archive/purge job %d failed: %v", j.ID, runErr)
	}
	detail := map[string]any{
		"cut": audit.FormatTime(out.Cut), "domains": p.Domains, "all_domains": p.AllDomains, "matched": out.Matched,
		"archived": out.Archived, "deleted": out.Deleted, "archive": out.Archive, "archive_sha256": out.SHA256,
		"format": p.Format, "retention": p.Retention,
	}
	if p.Remote != nil {
		detail["remote"] = fmt.Sprintf("sftp://%s@%s:%d/%s", p.Remote.User, p.Remote.Host, p.Remote.Port, p.Remote.Dir)
	}
	if out.Anchor.ID != 0 {
		// The end statement: what the purge's bridges add up to.
		t, err := s.tally(ctx, out.Anchor.ID)
		if err != nil {
			return fmt.Errorf("error adding up the purge's bridges: %w", err)
		}
		detail["anchor"] = out.Anchor
		detail["purge_statement"], detail["anchor_id"], detail["tally"] = store.StatementEnd, out.Anchor.ID, t
	}
	if len(out.Partitions) > 0 {
		detail["partitions_dropped"] = out.Partitions
	}
	if b, _ := json.Marshal(detail); len(b) > audit.MaxDetailLen {
		delete(detail, "domains") // the statement must fit; the begin statement names them
		delete(detail, "anchor")
	}
	e, err := s.statementEntry(user, j.ID, j.Name, result, desc, detail)
	if err != nil {
		return err
	}
	if _, err := s.rec.Submit(ctx, []audit.Entry{e}); err != nil {
		return fmt.Errorf("error recording the purge in the audit log: %w", err)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
