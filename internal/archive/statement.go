package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/store"
)

// boundKey is the setting that says the anchors made before purge
// statements existed have been bound by a bind statement.
const boundKey = "purge-statements"

// statementEntry is the audit entry that carries a purge statement.
func (s *Service) statementEntry(user string, jobID int64, jobName string, result audit.Result, desc string, detail any) (audit.Entry, error) {
	b, err := json.Marshal(detail)
	if err != nil {
		return audit.Entry{}, err
	}
	if len(b) > audit.MaxDetailLen {
		return audit.Entry{}, fmt.Errorf("the purge statement is %d bytes, over the %d an entry holds", len(b), audit.MaxDetailLen)
	}
	if user == "" {
		user = "logbook"
	}
	e := audit.Entry{Timestamp: s.opts.Now().UTC().Truncate(time.Microsecond), UserName: user, Domain: audit.RootDomain,
		Application: "Logbook", Workspace: "Audit Logs", Task: store.StatementTask, Result: result, JobID: jobID,
		Description: clip(desc, audit.MaxDescriptionLen), AffectedObjectDetail: string(b), Source: store.StatementSource}
	if jobID != 0 {
		e.AffectedObjects = []audit.Object{{Type: "Job", ID: fmt.Sprint(jobID), Name: jobName}}
	}
	return e, nil
}

// stateBegin records, before a purge deletes anything, which anchor it
// fills and the highest id it may delete.
func (s *Service) stateBegin(ctx context.Context, j store.Job, a store.Anchor, spec store.PurgeSpec, matched int64) error {
	st := store.Statement{Kind: store.StatementBegin, AnchorID: a.ID, MaxID: spec.MaxID, Matched: matched}
	desc := fmt.Sprintf("Archive/purge job %d began purging %d audit log entries recorded before %s (purge anchor %d).",
		j.ID, matched, audit.FormatTime(spec.Before), a.ID)
	e, err := s.statementEntry(j.Owner, j.ID, j.Name, audit.ResultSuccess, desc, struct {
		store.Statement
		Cut     string   `json:"cut"`
		Domains []string `json:"domains"`
		Archive string   `json:"archive_sha256,omitempty"`
	}{st, audit.FormatTime(spec.Before), a.Domains, a.ArchiveSHA256})
	if err != nil {
		return err
	}
	if _, err := s.rec.Submit(ctx, []audit.Entry{e}); err != nil {
		return fmt.Errorf("error recording the start of the purge: %w", err)
	}
	return nil
}

// tally adds up the bridges one purge left.
func (s *Service) tally(ctx context.Context, anchorID int64) (store.Tally, error) {
	bs, err := s.st.AnchorBridges(ctx, anchorID)
	if err != nil {
		return store.Tally{}, err
	}
	return store.TallyOf(bs), nil
}

// Reconcile states what earlier runs left unstated, under the purge lock
// so that no purge runs meanwhile on any replica: a purge that a crash
// ended before its end was stated is marked failed and its end stated;
// and once, at the first start after the upgrade that brought purge
// statements, one bind statement records the tallies of every anchor made
// before. A purge calls it before it begins; the server at start.
func (s *Service) Reconcile(ctx context.Context) error {
	release, ok, err := s.st.TryLock(ctx, LockName)
	if err != nil {
		return fmt.Errorf("error taking the archive/purge lock: %w", err)
	}
	if !ok {
		return nil // a purge runs; it reconciles before it begins
	}
	defer release()
	return s.reconcile(ctx)
}

func (s *Service) reconcile(ctx context.Context) error {
	anchors, err := s.st.Anchors(ctx, math.MaxInt32)
	if err != nil {
		return err
	}
	bound, err := s.st.Setting(ctx, boundKey)
	if err != nil {
		return err
	}
	for _, a := range anchors {
		if a.State != store.PurgeRunning {
			continue
		}
		note := "interrupted: Logbook stopped before the purge ended"
		if err := s.st.FinishPurge(ctx, a.ID, store.PurgeFailed, note); err != nil {
			return err
		}
		if bound == nil {
			continue // bound below with the others
		}
		t, err := s.tally(ctx, a.ID)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("Archive/purge job %d was interrupted after purging %d audit log entries (purge anchor %d).", a.JobID, t.Count, a.ID)
		e, err := s.statementEntry("", a.JobID, "", audit.ResultFailure, desc,
			store.Statement{Kind: store.StatementEnd, AnchorID: a.ID, Tally: &t})
		if err != nil {
			return err
		}
		if _, err := s.rec.Submit(ctx, []audit.Entry{e}); err != nil {
			return fmt.Errorf("error recording the interrupted purge: %w", err)
		}
	}
	if bound != nil {
		return nil
	}
	st := store.Statement{Kind: store.StatementBind}
	for i := len(anchors) - 1; i >= 0; i-- {
		t, err := s.tally(ctx, anchors[i].ID)
		if err != nil {
			return err
		}
		st.Anchors = append(st.Anchors, store.BoundAnchor{AnchorID: anchors[i].ID, Tally: t})
	}
	var at int64
	if len(st.Anchors) > 0 {
		desc := fmt.Sprintf("Recorded the %d purges made before purges were stated in the audit log, so that their bridges verify.", len(st.Anchors))
		e, err := s.statementEntry("", 0, "", audit.ResultSuccess, desc, st)
		if err != nil {
			return err
		}
		ids, err := s.rec.Submit(ctx, []audit.Entry{e})
		if err != nil {
			return fmt.Errorf("error recording earlier purges: %w", err)
		}
		if len(ids) > 0 {
			at = ids[0]
		}
	}
	return s.st.UpdateSetting(ctx, boundKey, func(old json.RawMessage) (json.RawMessage, error) {
		if old != nil {
			return nil, errors.New("earlier purges were bound meanwhile")
		}
		return json.Marshal(map[string]int64{"bound_at": at})
	})
}
