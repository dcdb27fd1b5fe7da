package audit

import (
	"slices"
	"testing"
)

func TestSplitWords(t *testing.T) {
	for in, want := range map[string][]string{
		"":                        nil,
		"mx960-1":                 {"mx960", "1"},
		"Apply CLI Configlet":     {"apply", "cli", "configlet"},
		"junos-22.4R3.10.tgz":     {"junos", "22", "4r3", "10", "tgz"},
		"  --  ":                  nil,
		"Ünïcode ÉTÉ İstanbul":    {"ünïcode", "été", "istanbul"},
		"ntp_servers/ntp\tsource": {"ntp", "servers", "ntp", "source"},
	} {
		if got := SplitWords(in); !slices.Equal(got, want) {
			t.Errorf("SplitWords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEntryWords(t *testing.T) {
	e := Entry{Description: "Deploy ntp-servers to mx960-1.", Task: "Deploy Configlet", UserName: "super",
		AffectedObjects: []Object{{Type: "Device", ID: "131090", Name: "mx960-1"}, {Type: "Configlet", Name: "ntp-servers"}}}
	if got, want := e.Words(), "deploy ntp servers to mx960 1 configlet super"; got != want {
		t.Errorf("Words() = %q, want %q", got, want)
	}
}
