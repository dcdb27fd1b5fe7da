package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	c := Config{Addr: "8080", Data: " ", ShutdownTimeout: -time.Second, LogLevel: "loud", DB: "logbook.db"}
	err := c.Validate()
	for _, want := range []string{"addr:", "shutdown-timeout:", "log-level:", "db:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to name %s", err, want)
		}
	}
	c = Default()
	c.Data = ""
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "data:") {
		t.Errorf("empty data: %v", err)
	}
}
