// Package job is Logbook's jobs: the rules of a job, the service that
// applies them, and the scheduler that runs Logbook's own jobs.
//
// The rules (states.go, operations.go, recurrence and rule_*.go, missed.go)
// are pure: they take the current time as an argument and change only the
// store.Job they are given, so the API handlers, the Junos Space
// compatible handlers and the scheduler all apply the same rules inside
// one store transaction (store.Jobs.UpdateJob), and their tests need no
// clock. Service (service.go) applies them to stored jobs and records each
// operation in the audit log; Scheduler (scheduler.go) claims due jobs,
// runs their handlers, and creates the occurrences of recurring jobs, with
// an injected clock.
package job
