// Package toolkit is what every CLI tool package shares: where a tool's files are (per OS, with the tool's own
// relocation variables), what it is told (Target), the edits a tool asks for (Op), and the engine that applies
// them to a file's text and undoes them again (patch.go).
package toolkit

import (
	"net"
	"net/url"
	"path"
	"strings"

	"github.com/ninerouter/ninerouter/backend/safefile"
)

// Env is the world a tool's paths are resolved in. Tests pass GOOS "windows" to check Windows paths anywhere.
type Env struct {
	Home   string
	GOOS   string
	Getenv func(string) string // nil: no variables
}

// Var reads an environment variable.
func (e Env) Var(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// Join joins path elements with the separator of e.GOOS (so Windows paths are right even in tests on Linux).
func (e Env) Join(base string, elem ...string) string {
	if e.GOOS == "windows" {
		parts := []string{strings.TrimRight(strings.ReplaceAll(base, "/", `\`), `\`)}
		for _, el := range elem {
			el = strings.Trim(strings.ReplaceAll(el, "/", `\`), `\`)
			if el != "" {
				parts = append(parts, el)
			}
		}
		out := strings.Join(parts, `\`)
		if len(out) == 2 && out[1] == ':' {
			out += `\`
		}
		return out
	}
	return path.Join(append([]string{base}, elem...)...)
}

// XDGConfig is $XDG_CONFIG_HOME, else ~/.config (also on Windows, where OpenCode and Kilo use
// %USERPROFILE%\.config).
func (e Env) XDGConfig() string {
	if v := e.Var("XDG_CONFIG_HOME"); v != "" {
		return v
	}
	return e.Join(e.Home, ".config")
}

// Target is what a tool is told.
type Target struct {
	Origin string // http://127.0.0.1:PORT, no trailing slash and no /v1
	Key    string // the client API key made for this tool
	Model  string // the model or combo; by default the active-combo virtual model
}

// V1 is the OpenAI-style base URL.
func (t Target) V1() string { return t.Origin + "/v1" }

// Format is how a file is written.
type Format string

const (
	JSON   Format = "json"
	JSONC  Format = "jsonc"
	JSON5  Format = "json5"
	TOML   Format = "toml"
	Dotenv Format = "dotenv"
)

// File is one file a tool reads and we may edit.
type File struct {
	Path   string `json:"path"`
	Format Format `json:"format"`
	Role   string `json:"role"` // what it is, for people ("settings", "per-agent registry", ...)
	// OnlyIfExists files are edited when present and never created (OpenClaw's per-agent models.json).
	OnlyIfExists bool `json:"onlyIfExists,omitempty"`
}

// Current is a file with its content as read.
type Current struct {
	File
	Snap safefile.Snapshot
}

// FilePlan is the edits for one file.
type FilePlan struct {
	File File
	Ops  []Op
}

// Inspection is what a tool's files say about where it points.
type Inspection struct {
	BaseURL string `json:"baseUrl,omitempty"`
	Key     string `json:"-"`
	Model   string `json:"model,omitempty"`
	// Managed: NineRouter's own provider id or marker is present.
	Managed bool `json:"managed"`
	// Error is set when a file could not be parsed.
	Error string `json:"error,omitempty"`
}

// Info describes a tool.
type Info struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Binaries []string `json:"binaries"`
	// Restart says what the user must do for the change to take effect.
	Restart string `json:"restart"`
	// EnvOverrides are variables that, set in the user's environment, win over what NineRouter writes.
	EnvOverrides []string `json:"envOverrides,omitempty"`
}

// Tool is one coding CLI NineRouter can configure.
type Tool interface {
	Info() Info
	// Files lists the files this tool reads that NineRouter edits, main file first.
	Files(env Env) []File
	// Plan returns the edits that point the tool at t. cur holds every file of Files, read.
	Plan(env Env, cur []Current, t Target) ([]FilePlan, error)
	// Inspect reads where the tool points now.
	Inspect(env Env, cur []Current) Inspection
}

// IsLoopbackURL reports whether u points at this machine.
func IsLoopbackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return false
	}
	h := p.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// SameOrigin compares two base URLs by scheme, host and port, ignoring a trailing /v1 or slash.
func SameOrigin(a, b string) bool {
	pa, err1 := url.Parse(a)
	pb, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	norm := func(u *url.URL) string {
		h := u.Hostname()
		if h == "localhost" || h == "::1" {
			h = "127.0.0.1"
		}
		return u.Scheme + "://" + net.JoinHostPort(h, u.Port())
	}
	return norm(pa) == norm(pb)
}

// ProviderID is the id NineRouter uses for itself in every tool (not reserved by any of them).
const ProviderID = "ninerouter"

// ProviderName is how the tools show it.
const ProviderName = "NineRouter"
