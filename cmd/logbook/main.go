// Command logbook is the audit log and job history service.
package main

import (
	"os"

	"github.com/logbookhq/logbook/internal/cli"
)

func main() { os.Exit(cli.Execute()) }
