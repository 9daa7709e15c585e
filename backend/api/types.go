package api

import (
	"encoding/json"

	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/service"
)

// The JSON shapes the management API assembles itself (the rest are the service's own types). They are named so
// that internal/cmd/tsgen can write them into the frontend's TypeScript.

// AuthState is what the sign-in screen needs to know.
type AuthState struct {
	PasswordSet bool `json:"passwordSet"`
	SignedIn    bool `json:"signedIn"`
	// SetupAllowed: first-run setup is only offered to this machine (on a wider bind a stranger must not pick
	// the password).
	SetupAllowed bool `json:"setupAllowed"`
}

// CombosPage lists the combos and names the active one.
type CombosPage struct {
	Active       string  `json:"active"`
	VirtualModel string  `json:"virtualModel"`
	Combos       []Combo `json:"combos"`
}

// Combo is a combo with the entries that name something missing, so its card can say so.
type Combo struct {
	service.ComboView
	Problems []service.Problem `json:"problems"`
}

// RequestLogPage is the newest debug request-log entries (secrets removed when written), newest first.
type RequestLogPage struct {
	Enabled bool              `json:"enabled"`
	Entries []json.RawMessage `json:"entries" tstype:"RequestLogEntry[] | null"`
}

// ToolList is every CLI tool's state, with what "apply" would point them at.
type ToolList struct {
	Origin       string              `json:"origin"`
	DefaultModel string              `json:"defaultModel"`
	Tools        []clitool.ToolState `json:"tools"`
}

// SnippetList is the copyable setup snippets for tools NineRouter does not configure itself.
type SnippetList struct {
	Snippets []clitool.Snippet `json:"snippets"`
}

// CreatedKey is a new client key: Key is shown this once and never again.
type CreatedKey struct {
	Key  string   `json:"key"`
	Info keys.Key `json:"info"`
}

// TestRequestResult is the test button's answer.
type TestRequestResult struct {
	OK        bool   `json:"ok"`
	Status    int    `json:"status"`
	Model     string `json:"model"`  // what was asked for
	Served    string `json:"served"` // the model the upstream says answered
	Answer    string `json:"answer,omitempty"`
	LatencyMs int64  `json:"latencyMs"`
	Message   string `json:"message,omitempty"`
}
