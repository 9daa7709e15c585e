// Package provider describes the upstreams NineRouter can reach: a registry of provider specs (one package per
// upstream under backend/provider/*), and the executor interface that turns a routed request into an upstream
// HTTP request with an account's credentials. Executors never choose the URL from anything a client sent: the
// base URL is the provider's default or the account's override, both set by the user.
package provider

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// AuthKind says how an account of a provider signs in.
type AuthKind string

const (
	AuthAPIKey AuthKind = "api-key"
	AuthOAuth  AuthKind = "oauth" // subscription providers (later issue); credentials expire and refresh
)

// Credential is what one request authenticates with. API keys never expire (ExpiresAt zero); OAuth access
// tokens do, and their CredentialSource refreshes them.
type Credential struct {
	APIKey      string
	AccessToken string
	ExpiresAt   time.Time
	// Meta carries an OAuth account's non-secret request context (Google project id, Copilot API base).
	Meta map[string]string
}

// ErrNotRefreshable is returned by Refresh for credentials that cannot be refreshed (API keys).
var ErrNotRefreshable = errors.New("credential cannot be refreshed")

// CredentialSource yields an account's current credential. OAuth sources refresh proactively inside Credential
// when the token is near expiry, and on demand through Refresh after a 401/403 (single-flight per account).
type CredentialSource interface {
	Credential(ctx context.Context) (Credential, error)
	Refresh(ctx context.Context) (Credential, error)
}

// StaticKey is an API key: it never expires and cannot be refreshed.
type StaticKey string

func (k StaticKey) Credential(context.Context) (Credential, error) {
	return Credential{APIKey: string(k)}, nil
}
func (k StaticKey) Refresh(context.Context) (Credential, error) {
	return Credential{}, ErrNotRefreshable
}

// Call is one upstream request to build. Body is already in the executor's wire format with the upstream
// model set (Gemini carries the model in the URL instead).
type Call struct {
	BaseURL      string // the account's override or the spec's default; never from the client
	Credential   Credential
	Format       wire.Format
	Model        string
	Body         []byte
	Stream       bool
	ClientHeader http.Header // the client's headers, from which an executor may forward protocol headers
	// Count asks for the upstream's token-count endpoint instead of a generation (Anthropic count_tokens,
	// Gemini countTokens); executors whose wire has none ignore it and callers do not set it for them.
	Count bool
}

// Executor builds upstream HTTP requests for one provider.
type Executor interface {
	// Formats lists the wire formats the upstream speaks, preferred first. The proxy picks the client's own
	// format when it is listed (no translation), else the first.
	Formats() []wire.Format
	// NewRequest builds the request; the proxy sends it with its shared transport.
	NewRequest(ctx context.Context, c Call) (*http.Request, error)
}

// Spec describes one provider.
type Spec struct {
	ID             string
	Name           string
	Aliases        []string // model-string prefixes besides ID ("ds" for deepseek)
	Auth           AuthKind
	DefaultBaseURL string
	Models         []string // default catalogue for /v1/models when an account lists none
	Notice         string   // shown in the UI (terms, free-tier limits)
	Node           bool     // a user-defined node
	Executor       Executor
}

// Prefixes are every model-string prefix that selects this provider.
func (s *Spec) Prefixes() []string { return append([]string{s.ID}, s.Aliases...) }

// Format is the preferred upstream format.
func (s *Spec) Format() wire.Format { return s.Executor.Formats()[0] }

// PickFormat is the upstream format to use for a client speaking client: its own when the upstream speaks it.
func (s *Spec) PickFormat(client wire.Format) wire.Format {
	for _, f := range s.Executor.Formats() {
		if f == client {
			return f
		}
	}
	return s.Format()
}
