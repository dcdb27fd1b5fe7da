package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/logbookhq/logbook/internal/audit"
	"github.com/logbookhq/logbook/internal/demo"
	"github.com/logbookhq/logbook/internal/store"
)

// demoJobWindow is how far back the demo registers the jobs its history
// names; older entries lose their job id, so that no Job ID link leads
// nowhere while the demo starts in seconds.
const demoJobWindow = 14 * 24 * time.Hour

// demoJobs registers a job for every job id the recent entries name and
// points the entries at it: the job's type and name come from the task,
// its owner and domain from the entry, and its state from how long ago it
// ran (old jobs have ended, the last few are running or still scheduled).
// Entries reporting a recurring job get a daily recurrence.
func demoJobs(ctx context.Context, st store.Store, entries []audit.Entry, now time.Time) error {
	rng := rand.New(rand.NewPCG(uint64(now.UnixNano()), 7))
	ids := map[int64]int64{} // generated job id → registered job id
	for i := range entries {
		e := &entries[i]
		if e.JobID == 0 {
			continue
		}
		if now.Sub(e.Timestamp) > demoJobWindow {
			e.JobID = 0
			continue
		}
		if id, ok := ids[e.JobID]; ok {
			e.JobID = id
			continue
		}
		j := store.Job{Name: fmt.Sprintf("%s by %s", e.Task, e.UserName), JobType: e.Task, Summary: e.Description,
			ScheduledStart: e.Timestamp, Owner: e.UserName, Domain: e.Domain, State: store.JobSuccess, Percent: 100}
		if e.Result == audit.ResultRecurringJobScheduled {
			j.Recurrence = "DTSTART:" + e.Timestamp.UTC().Format("20060102T150405Z") + "\nRRULE:FREQ=DAILY;COUNT=30"
			j.State, j.Percent = store.JobScheduled, 0
		} else {
			age := now.Sub(e.Timestamp)
			j.ActualStart = e.Timestamp.Add(time.Duration(rng.IntN(20)) * time.Second)
			switch {
			case age < 2*time.Minute:
				j.State, j.Percent, j.ActualStart = store.JobScheduled, 0, time.Time{}
			case age < 30*time.Minute:
				j.State, j.Percent = store.JobInProgress, 5+rng.IntN(80)
			case e.Result == audit.ResultFailure || rng.IntN(20) == 0:
				j.State, j.Percent = store.JobFailure, rng.IntN(90)
				j.Note = "the device did not answer within 300 seconds"
				j.EndTime = j.ActualStart.Add(time.Duration(30+rng.IntN(600)) * time.Second)
			default:
				j.EndTime = j.ActualStart.Add(time.Duration(30+rng.IntN(900)) * time.Second)
			}
		}
		created, err := st.CreateJob(ctx, j)
		if err != nil {
			return fmt.Errorf("error registering demo jobs: %w", err)
		}
		ids[e.JobID] = created.ID
		e.JobID = created.ID
	}
	return nil
}

// advanceDemoJobs moves the demo's running jobs on, as the applications
// that run them would report: a few percent at a time, then SUCCESS.
func advanceDemoJobs(ctx context.Context, st store.Store, now time.Time, rng *rand.Rand) {
	page, err := st.ListJobs(ctx, store.AllDomains, store.JobQuery{Filter: store.JobFilter{State: []string{store.JobInProgress}, TopLevel: true},
		Sort: store.JobSort{Field: store.JobSortID}, Limit: 20})
	if err != nil {
		return
	}
	for _, j := range page.Jobs {
		if j.Handler != "" {
			continue // Logbook's own jobs report for themselves
		}
		st.UpdateJob(ctx, j.ID, func(j *store.Job) error {
			if j.State != store.JobInProgress {
				return fmt.Errorf("job %d moved on", j.ID)
			}
			j.Percent = min(100, j.Percent+5+rng.IntN(20))
			if j.Percent == 100 {
				j.State, j.EndTime = store.JobSuccess, now
			}
			return nil
		})
	}
}

// demoConfigChanges gives the recent entries of configuration tasks the
// change they made on their device, so that "View Configuration Detail"
// has something to show; older entries stay without, to keep the demo
// database small.
func demoConfigChanges(gen *demo.Generator, entries []audit.Entry, now time.Time) {
	for i := range entries {
		e := &entries[i]
		if !audit.IsConfigTask(e.Task) || now.Sub(e.Timestamp) > demoJobWindow {
			continue
		}
		var cs []audit.ConfigChange
		for _, o := range e.AffectedObjects {
			if o.Type == "Device" && len(cs) < 3 {
				cs = append(cs, gen.ConfigChange(e.Task, o.Name))
			}
		}
		if len(cs) > 0 {
			e.ConfigChanges, e.HasConfigChange, e.ConfigDigest = cs, true, audit.ConfigDigest(cs)
		}
	}
}
