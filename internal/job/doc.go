// Package job holds the rules of a job that do not need storage: which state
// changes are allowed, how a progress report changes a job, what cancel,
// reschedule and retry do, and when a recurring job is due.
//
// Everything here is pure: functions take the current time as an argument
// and change only the store.Job they are given, so the API handlers, the
// Junos Space compatible handlers and the scheduler all apply the same rules
// inside one store transaction (store.Jobs.UpdateJob) and tests need no clock.
package job
