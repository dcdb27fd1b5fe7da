package web

import "testing"

func TestFormatEstimate(t *testing.T) {
	for n, want := range map[int64]string{0: "", 10001: "10,000", 12345: "12,000", 1234567: "1,200,000", 1250000: "1,300,000", 99: "99"} {
		if got := formatEstimate(n); got != want {
			t.Errorf("formatEstimate(%d) = %q, want %q", n, got, want)
		}
	}
}
