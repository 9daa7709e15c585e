package app

import (
	"reflect"
	"testing"

	"github.com/ninerouter/ninerouter/app/traymenu"
	"github.com/ninerouter/ninerouter/backend/clitool"
)

func TestToolsForTray(t *testing.T) {
	installed := clitool.Detection{Installed: true}
	tests := []struct {
		name string
		in   clitool.ToolState
		want []traymenu.Tool
	}{
		{"not installed and untouched: left out",
			clitool.ToolState{ID: "droid", Name: "Droid", State: clitool.NotConfigured}, nil},
		{"installed, not set up: apply",
			clitool.ToolState{ID: "codex", Name: "Codex", Detection: installed, State: clitool.NotConfigured},
			[]traymenu.Tool{{ID: "codex", Name: "Codex", State: "not set up", CanApply: true}}},
		{"configured: revert only",
			clitool.ToolState{ID: "claude", Name: "Claude Code", Detection: installed, State: clitool.Configured, CanRevert: true},
			[]traymenu.Tool{{ID: "claude", Name: "Claude Code", State: "using NineRouter", CanRevert: true}}},
		{"config left behind by an uninstalled tool still shows",
			clitool.ToolState{ID: "gemini", Name: "Gemini CLI", State: clitool.Stale, CanRevert: true},
			[]traymenu.Tool{{ID: "gemini", Name: "Gemini CLI", State: "stale config", CanApply: true, CanRevert: true}}},
		{"unreadable config: no actions",
			clitool.ToolState{ID: "opencode", Name: "OpenCode", Detection: clitool.Detection{ConfigOnly: true}, State: clitool.Unreadable},
			[]traymenu.Tool{{ID: "opencode", Name: "OpenCode", State: "config unreadable"}}},
		{"points elsewhere: apply",
			clitool.ToolState{ID: "cline", Name: "Cline", Detection: installed, State: clitool.Elsewhere},
			[]traymenu.Tool{{ID: "cline", Name: "Cline", State: "points elsewhere", CanApply: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := toolsForTray([]clitool.ToolState{tt.in}); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
