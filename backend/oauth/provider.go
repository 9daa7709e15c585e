// Package oauth signs NineRouter into the user's subscription accounts (Claude, ChatGPT/Codex, Copilot, Gemini,
// Kimi, Kiro) and keeps their tokens fresh: sign-in flows (PKCE S256 browser with a loopback callback, a paste
// fallback, the device authorization grant, an explicit import of a CLI's own login) built on
// golang.org/x/oauth2; tokens in the OS keychain through a crash-safe two-slot Vault; one Source per account that
// refreshes single-flight; one Refresher goroutine that refreshes ahead of expiry with per-provider lead times.
// A refresh the vendor refuses for good (invalid_grant, revoked) puts the account in "needs sign-in", which
// routing skips and every view shows. Provider definitions live in their own packages under backend/provider.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Flow is a way of signing in.
type Flow string

const (
	FlowBrowser Flow = "browser" // PKCE in the browser, the code comes back to a loopback listener
	FlowPaste   Flow = "paste"   // the same, but the user pastes the final address (or code#state) by hand
	FlowDevice  Flow = "device"  // device authorization grant: a code to enter on the vendor's page
	FlowImport  Flow = "import"  // adopt the login of the vendor's own CLI, on explicit request only
)

// Identity is the non-secret description of a signed-in account, kept in SQLite.
type Identity struct {
	Email      string            `json:"email,omitempty"`
	Plan       string            `json:"plan,omitempty"`
	ExternalID string            `json:"externalId,omitempty"` // the vendor's account id
	Meta       map[string]string `json:"meta,omitempty"`       // non-secret extras: Google project id, AWS region, API base
}

// Grant is the outcome of a successful sign-in.
type Grant struct {
	Token    Token
	Identity Identity
}

// Derived is a short-lived credential minted from the stored token (Copilot's API token); it lives in memory.
type Derived struct {
	AccessToken string
	Expiry      time.Time
	Meta        map[string]string
}

// Provider is one subscription vendor's sign-in and refresh rules (facts: docs/subscriptions.md).
type Provider struct {
	ID     string
	Name   string // "Claude"
	Plans  string // "Pro / Max", shown in the Connect dialog
	Status string // "" active; otherwise the upstream status ("deprecated: …", "free tier ended …")
	Risk   string // terms-of-service or ban risk the UI shows

	ClientID     string
	ClientSecret string // public "secrets" of installed-app clients (Google)
	Scopes       []string
	Flows        []Flow // the first is the default
	// Lead is how long before expiry the Refresher renews the token.
	Lead time.Duration
	// Endpoints are the default URLs by name: authorize, token, device, redirect, manual_redirect, api, userinfo,
	// quota, …; "redirect" may use port 0 for "any free port". NINEROUTER_ENDPOINTS replaces any of them.
	Endpoints  map[string]string
	AuthParams map[string]string // extra authorize-URL parameters the vendor requires
	// JSONToken: the token endpoint takes JSON instead of a form (Anthropic).
	JSONToken bool
	// ImportPath is the vendor CLI's credentials file relative to the home directory ("" = no import);
	// ImportNote is said before importing (refresh-token rotation may sign the CLI out).
	ImportPath string
	ImportNote string

	// Identify reads the account's identity after a sign-in (token response fields, userinfo, id_token).
	Identify func(ctx context.Context, e Env, resp TokenResponse) (Identity, error)
	// ParseImport reads the vendor CLI's credentials file; ParseImportAt replaces it for vendors whose login
	// spans several files beside it (Kiro's client registration).
	ParseImport   func(raw []byte) (Grant, error)
	ParseImportAt func(path string, raw []byte) (Grant, error)
	// Derive mints a short-lived API credential from the stored token (Copilot); nil = use the access token.
	Derive func(ctx context.Context, e Env, t Token) (Derived, error)
	// DeviceStart and DevicePoll replace the RFC 8628 flow for vendors with their own device API (Kiro).
	DeviceStart func(ctx context.Context, e Env) (DeviceCode, error)
	DevicePoll  func(ctx context.Context, e Env, dc DeviceCode) (TokenResponse, error)
	// RefreshFunc replaces the standard refresh_token grant (Kiro's AWS OIDC, whose client is per account).
	RefreshFunc func(ctx context.Context, e Env, t Token, id Identity) (Token, error)
}

// Has reports whether the provider offers flow f.
func (p *Provider) Has(f Flow) bool {
	for _, x := range p.Flows {
		if x == f {
			return true
		}
	}
	// Paste is the fallback of every browser flow.
	return f == FlowPaste && p.Has(FlowBrowser)
}

// Env is what a provider hook works with: the HTTP client (NineRouter's User-Agent) and the endpoint table.
type Env struct {
	HTTP      *http.Client
	Endpoints Endpoints
	Provider  *Provider
}

// URL is the provider's endpoint by name, after NINEROUTER_ENDPOINTS.
func (e Env) URL(name string) string {
	return e.Endpoints.URL(e.Provider.ID, name, e.Provider.Endpoints[name])
}

// DeviceCode is a started device authorization.
type DeviceCode struct {
	DeviceCode      string
	UserCode        string
	VerificationURI string
	// VerificationURIComplete opens the page with the code filled in, when the vendor offers it.
	VerificationURIComplete string
	Interval                time.Duration
	Expiry                  time.Time
	Extra                   map[string]string // vendor state between start and poll (Kiro's registered client)
}

// TokenResponse is a token endpoint's answer: the token and the raw JSON fields, which Identify may read.
type TokenResponse struct {
	Token Token
	Raw   map[string]any
}

// Error kinds a refresh can end with.
var (
	// ErrNeedsSignIn: the vendor refused the refresh token for good (invalid_grant, revoked); the user must sign
	// in again. The wrapped text is the vendor's own.
	ErrNeedsSignIn = errors.New("needs sign-in")
)

// VendorError is an OAuth error answer ({"error","error_description"}) or an unexpected HTTP status.
type VendorError struct {
	Status      int
	Code        string
	Description string
}

func (e *VendorError) Error() string {
	msg := e.Code
	if e.Description != "" {
		if msg != "" {
			msg += ": "
		}
		msg += e.Description
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
}

// Permanent reports whether retrying the same refresh token can never succeed.
func (e *VendorError) Permanent() bool {
	switch e.Code {
	case "invalid_grant", "invalid_client", "unauthorized_client", "access_denied", "expired_token",
		"invalid_token", "refresh_token_expired", "refresh_token_reused", "token_revoked":
		return true
	}
	return e.Status == http.StatusUnauthorized
}
