package cli

import (
	"strings"
	"testing"
)

// TestSettingsCommand: `ninerouter settings` lists the running instance's settings with their defaults (the usage
// retention among them), `settings set` changes one through it, and a bad value is refused with the reason and
// changes nothing.
func TestSettingsCommand(t *testing.T) {
	li := startLive(t)
	out := li.cli("settings")
	if !strings.Contains(out, "SETTING") || !strings.Contains(out, "usage_retention_days") {
		t.Fatalf("settings:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "usage_retention_days" && (f[1] != "90" || f[2] != "90") {
			t.Errorf("retention row %q, want value and default 90", line)
		}
	}
	if got := li.cli("settings", "set", "usage_retention_days", "30"); strings.TrimSpace(got) != "usage_retention_days = 30" {
		t.Errorf("settings set printed %q", got)
	}
	code, _, errOut := run(t, li.env, "settings", "set", "usage_retention_days", "ninety", "--addr", li.addr, "--data-dir", li.dir)
	if code == 0 || !strings.Contains(errOut, "whole number of days") {
		t.Errorf("a retention in words: exit %d, %q", code, errOut)
	}
	if !strings.Contains(li.cli("settings", "--json"), `"value": "30"`) {
		t.Error("the refused value replaced the saved one")
	}
	if code, _, _ := run(t, li.env, "settings", "set", "usage_retention_days"); code != 2 {
		t.Errorf("settings set without a value: exit %d, want 2", code)
	}
}
