package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/logbookhq/logbook/internal/server/servertest"
)

func TestSearchParameter(t *testing.T) {
	f := servertest.New(t, servertest.Options{AsAdmin: true})
	body := `[{"user_name":"super","application":"REST","task":"Login","result":"Success","user_ip":"172.16.4.2","description":"ntp servers changed"},
	          {"user_name":"jdoe","application":"REST","task":"Login","result":"Failure","user_ip":"10.1.1.1"}]`
	resp, err := http.Post(f.URL+"/api/v1/audit-logs", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("ingest: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	get := func(q string) (int, map[string]any) {
		resp, err := http.Get(f.URL + "/api/v1/audit-logs?q=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	status, m := get(`ip:172.16.0.0/16 ntp -result:failure`)
	if status != 200 || m["total"].(float64) != 1 {
		t.Fatalf("search: %d %v", status, m)
	}
	status, m = get(`user:super task:`)
	if status != 400 || m["position"] == nil || !strings.Contains(m["error"].(string), "q: at") {
		t.Fatalf("syntax error: %d %v", status, m)
	}
	status, m = get(`ip:2001:db8::/32`)
	if status != 200 || m["total"].(float64) != 0 {
		t.Fatalf("IPv6 network: %d %v", status, m)
	}
	status, m = get(`ip:2001:db8::/129`)
	if status != 400 || !strings.Contains(m["error"].(string), "q: at") {
		t.Fatalf("a network that is none: %d %v", status, m)
	}
}
