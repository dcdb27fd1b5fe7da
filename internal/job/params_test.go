package job

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/store"
)

func TestRetryKeepsParams(t *testing.T) {
	failed := store.Job{ID: 4, Name: "purge", State: store.JobFailure, Handler: "archive-purge", Params: json.RawMessage(`{"older_than_days":90}`)}
	nj, err := Retry(failed, t0)
	if err != nil || string(nj.Params) != `{"older_than_days":90}` {
		t.Fatalf("retry params = %s, %v", nj.Params, err)
	}
}

func TestRedactParams(t *testing.T) {
	got := string(RedactParams(json.RawMessage(`{"remote":{"host":"h","password":"pw","private_key":"KEY"},"token":"","n":1}`)))
	if strings.Contains(got, "pw") || strings.Contains(got, "KEY") || !strings.Contains(got, `"password":"`+Mask+`"`) || !strings.Contains(got, `"host":"h"`) {
		t.Fatalf("redacted = %s", got)
	}
	if RedactParams(json.RawMessage(`["password"]`)) != nil || RedactParams(nil) != nil {
		t.Fatal("params that are not an object must show as nothing")
	}
}
