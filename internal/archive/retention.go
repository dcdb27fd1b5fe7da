package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/logbookhq/logbook/internal/access"
	"github.com/logbookhq/logbook/internal/accounts"
	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/store"
)

// RetentionJobName names the recurring job of the retention policy.
const RetentionJobName = "Audit Log Retention"

// retentionHour is when (UTC) the daily retention purge runs.
const retentionHour = 2

// ApplyRetention puts the retention policy in place: it cancels the
// policy's previous recurring job (oldJobID, if any) and, for days > 0,
// creates a new one that purges every domain's entries older than days
// each day at 02:00 UTC, archiving first (as NDJSON, the format that
// verifies) when archive is set. It returns the new job's id (0 when the
// policy is off). The scheduler runs it on one replica only, like every
// Logbook job.
func (s *Service) ApplyRetention(ctx context.Context, req accounts.Request, tree *access.Tree, oldJobID int64, days int, archive bool) (int64, error) {
	now := s.opts.Now().UTC().Truncate(time.Microsecond)
	if oldJobID != 0 {
		_, err := s.st.UpdateJob(ctx, oldJobID, func(j *store.Job) error {
			return job.Cancel(j, now, "replaced by a change of the retention setting")
		})
		var te *job.TransitionError
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.As(err, &te) {
			return 0, fmt.Errorf("error ending the previous retention job: %w", err)
		}
	}
	if days <= 0 {
		return 0, nil
	}
	p := Params{OlderThanDays: days, AllDomains: true, Domains: []string{audit.RootDomain}, Archive: archive,
		Format: FormatNDJSON, Retention: true}
	raw, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	start := time.Date(now.Year(), now.Month(), now.Day(), retentionHour, 0, 0, 0, time.UTC)
	if !start.After(now) {
		start = start.AddDate(0, 0, 1)
	}
	rule := "DTSTART:" + start.Format("20060102T150405Z") + "\nRRULE:FREQ=DAILY"
	j, err := s.jobs.CreateLogbookJob(ctx, req, tree, job.NewJob{Name: RetentionJobName, JobType: "Archive/Purge",
		Handler: Kind, Params: raw, Recurrence: rule, Domain: audit.RootDomain, Summary: "retention policy: " + Describe(p)})
	if err != nil {
		return 0, err
	}
	return j.ID, nil
}
