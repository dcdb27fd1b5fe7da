// Command logbook is the audit log and job history service.
package main

import (
	"os"
	// Time zone rules travel with the binary: recurring jobs name zones
	// such as Europe/Berlin, and a server image may have no zone files.
	_ "time/tzdata"

	"github.com/logbookhq/logbook/internal/cli"
)

func main() { os.Exit(cli.Execute()) }
