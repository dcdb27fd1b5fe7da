package job

import "time"

// MissedRuns returns the occurrences of r in (lastRun, now], earliest first
// and at most limit: the runs a scheduler missed while Logbook was down. A
// job whose OnMissed is "skip" records each of them as missed; one whose
// OnMissed is "run" runs once, late, for all of them. lastRun is the
// occurrence that last ran (zero if none has), so an occurrence at exactly
// lastRun is not missed and one at exactly now is, being due and not yet
// run. A limit of zero or less returns nothing.
func MissedRuns(r *Rule, lastRun, now time.Time, limit int) []time.Time {
	limit = min(limit, MaxOccurrences)
	if limit <= 0 || !now.After(lastRun) {
		return nil
	}
	var out []time.Time
	for o := range r.occurrences(lastRun) {
		if o.After(now) || len(out) == limit {
			break
		}
		if o.After(lastRun) {
			out = append(out, o)
		}
	}
	return out
}
