// Package copilot is the GitHub Copilot subscription provider (prefixes gh, copilot): sign-in with GitHub's
// device flow, then a short-lived Copilot API token minted from the GitHub token (re-minted when less than 5
// minutes remain), and OpenAI Chat Completions or Responses per model at api.githubcopilot.com
// (docs/subscriptions.md). No editor identity is borrowed: no VS Code integration id or editor version headers.
package copilot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// ID is the provider id (9Router's); gh and copilot are its prefixes.
const ID = "github"

// DefaultAPI is Copilot's API base; a minted token may name another (business plans).
const DefaultAPI = "https://api.githubcopilot.com"

// Spec is the routing side.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: ID, Name: "GitHub Copilot", Aliases: []string{"gh", "copilot"}, Auth: provider.AuthOAuth,
		DefaultBaseURL: DefaultAPI,
		Models: []string{"gpt-4.1", "gpt-4o", "gpt-5-mini", "gpt-5.2", "gpt-5.2-codex", "gpt-5.3-codex", "gpt-5.4",
			"gpt-5.4-mini", "claude-haiku-4.5", "claude-sonnet-4.5", "claude-sonnet-4.6", "claude-opus-4.6",
			"claude-opus-4.7", "gemini-2.5-pro", "gemini-3.1-pro-preview", "grok-code-fast-1"},
		Notice:   "Uses your Copilot plan. GitHub may refuse clients that are not registered Copilot integrations; NineRouter does not pretend to be VS Code.",
		Executor: Executor{responsesOnly: &sync.Map{}},
	}
}

// OAuth is the sign-in side.
func OAuth() *oauth.Provider {
	return &oauth.Provider{
		ID: ID, Name: "GitHub Copilot", Plans: "Free / Pro / Pro+ / Business",
		Risk:     "Copilot's API is meant for Copilot clients; GitHub may refuse or limit other clients.",
		ClientID: "Iv1.b507a08c87ecfe98",
		Scopes:   []string{"read:user"},
		Flows:    []oauth.Flow{oauth.FlowDevice},
		Lead:     time.Hour,
		Endpoints: map[string]string{
			"device":        "https://github.com/login/device/code",
			"token":         "https://github.com/login/oauth/access_token",
			"copilot_token": "https://api.github.com/copilot_internal/v2/token",
			"userinfo":      "https://api.github.com/user",
			"api":           DefaultAPI,
			"quota":         "https://api.github.com/copilot_internal/user",
		},
		Identify: identify,
		Derive:   mint,
	}
}

func identify(ctx context.Context, e oauth.Env, r oauth.TokenResponse) (oauth.Identity, error) {
	var u struct {
		Login string `json:"login"`
		Email string `json:"email"`
		ID    int64  `json:"id"`
	}
	if err := e.GetJSON(ctx, http.MethodGet, e.URL("userinfo"), "token "+r.Token.AccessToken, nil, &u); err != nil {
		return oauth.Identity{}, fmt.Errorf("read the GitHub user: %w", err)
	}
	id := oauth.Identity{Email: u.Email, ExternalID: u.Login}
	if id.Email == "" {
		id.Email = u.Login
	}
	// A GitHub account without Copilot signs in fine but cannot mint: say so now, not at the first request.
	if _, err := mint(ctx, e, r.Token); err != nil {
		return oauth.Identity{}, fmt.Errorf("GitHub user %s has no usable Copilot access: %w", u.Login, err)
	}
	return id, nil
}

// mint trades the GitHub token for a Copilot API token.
func mint(ctx context.Context, e oauth.Env, t oauth.Token) (oauth.Derived, error) {
	var r struct {
		Token     string `json:"token"`
		ExpiresAt int64  `json:"expires_at"`
		Endpoints struct {
			API string `json:"api"`
		} `json:"endpoints"`
	}
	if err := e.GetJSON(ctx, http.MethodGet, e.URL("copilot_token"), "token "+t.AccessToken, nil, &r); err != nil {
		return oauth.Derived{}, fmt.Errorf("mint a Copilot token: %w", err)
	}
	if r.Token == "" || r.ExpiresAt == 0 {
		return oauth.Derived{}, errors.New("mint a Copilot token: the answer has no token or expiry")
	}
	d := oauth.Derived{AccessToken: r.Token, Expiry: time.Unix(r.ExpiresAt, 0)}
	if r.Endpoints.API != "" {
		d.Meta = map[string]string{"api": r.Endpoints.API}
	}
	return d, nil
}

// Executor speaks OpenAI Chat Completions, or Responses for the models Copilot serves only there.
type Executor struct {
	// responsesOnly remembers, for this process, the models Copilot refused on /chat/completions (model → true).
	responsesOnly *sync.Map
}

func (Executor) Formats() []wire.Format { return []wire.Format{wire.OpenAI, wire.Responses} }

// FormatsFor: Codex models are served only on /responses; other GPT models on both; the rest (Claude, Gemini,
// Grok) only on /chat/completions; a model Copilot has refused on /chat/completions only on /responses.
func (x Executor) FormatsFor(model string) []wire.Format {
	if x.responsesOnly != nil {
		if _, ok := x.responsesOnly.Load(model); ok {
			return []wire.Format{wire.Responses}
		}
	}
	switch {
	case strings.Contains(model, "codex"):
		return []wire.Format{wire.Responses}
	case strings.HasPrefix(model, "gpt-") || strings.HasPrefix(model, "o"):
		return []wire.Format{wire.OpenAI, wire.Responses}
	}
	return []wire.Format{wire.OpenAI}
}

// chatRefusals are Copilot's answers for a model it serves only on /responses (docs/subscriptions.md).
var chatRefusals = []string{"not accessible via the /chat/completions endpoint", "unsupported_api_for_model",
	"requested model is not supported"}

// Refused: a 400 that says the model is not served on /chat/completions switches it to /responses for good.
func (x Executor) Refused(model string, format wire.Format, status int, body []byte) bool {
	if x.responsesOnly == nil || format != wire.OpenAI || status != http.StatusBadRequest {
		return false
	}
	text := strings.ToLower(string(body))
	for _, r := range chatRefusals {
		if strings.Contains(text, strings.ToLower(r)) {
			x.responsesOnly.Store(model, true)
			return true
		}
	}
	return false
}

func (Executor) NewRequest(ctx context.Context, c provider.Call) (*http.Request, error) {
	base := c.BaseURL
	if api := c.Credential.Meta["api"]; api != "" && strings.TrimRight(base, "/") == DefaultAPI {
		base = api // the minted token names the plan's own API host
	}
	path := "/chat/completions"
	if c.Format == wire.Responses {
		path = "/responses"
	}
	req, err := provider.NewJSONRequest(ctx, base, path, "", c)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Credential.AccessToken)
	req.Header.Set("X-GitHub-Api-Version", "2025-04-01")
	req.Header.Set("Openai-Intent", "conversation-panel")
	return req, nil
}
