// Package claude is the Claude Pro/Max subscription provider (prefix cc): sign-in with PKCE S256 at claude.ai,
// requests to the Anthropic Messages API with the account's OAuth token as a Bearer credential and the
// `anthropic-beta: oauth-2025-04-20` flag the endpoint requires for it (docs/subscriptions.md). Nothing else of
// Claude Code's identity is sent: the User-Agent is NineRouter's.
package claude

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// ID is the provider id; "cc" is its model prefix (9Router's).
const ID = "claude"

// OAuthBeta is the beta flag the Messages API requires for an OAuth credential.
const OAuthBeta = "oauth-2025-04-20"

// Spec is the routing side.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: ID, Name: "Claude (Pro/Max)", Aliases: []string{"cc"}, Auth: provider.AuthOAuth,
		DefaultBaseURL: "https://api.anthropic.com/v1",
		Models: []string{"claude-opus-4-7", "claude-opus-4-6", "claude-sonnet-4-6", "claude-opus-4-5-20251101",
			"claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"},
		Notice:   "Uses your Claude subscription. Anthropic has suspended accounts used through third-party tools; NineRouter says what it is (its own User-Agent) and never disguises itself as Claude Code.",
		Executor: Executor{},
	}
}

// OAuth is the sign-in side.
func OAuth() *oauth.Provider {
	return &oauth.Provider{
		ID: ID, Name: "Claude", Plans: "Pro / Max",
		Risk:     "Anthropic's terms cover Claude Code; accounts used through third-party routers have been suspended.",
		ClientID: "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
		Scopes:   []string{"org:create_api_key", "user:profile", "user:inference"},
		Flows:    []oauth.Flow{oauth.FlowBrowser, oauth.FlowImport},
		Lead:     4 * time.Hour,
		Endpoints: map[string]string{
			"authorize":       "https://claude.ai/oauth/authorize",
			"token":           "https://api.anthropic.com/v1/oauth/token",
			"redirect":        "http://localhost:0/callback",
			"manual_redirect": "https://console.anthropic.com/oauth/code/callback",
			"api":             "https://api.anthropic.com/v1",
			"quota":           "https://api.anthropic.com/api/oauth/usage",
		},
		AuthParams:  map[string]string{"code": "true"},
		JSONToken:   true,
		ImportPath:  ".claude/.credentials.json",
		ImportNote:  "NineRouter will refresh this login on its own schedule. Anthropic rotates refresh tokens, so Claude Code may be signed out and need `claude /login` again.",
		Identify:    identify,
		ParseImport: parseImport,
	}
}

func identify(_ context.Context, _ oauth.Env, r oauth.TokenResponse) (oauth.Identity, error) {
	id := oauth.Identity{Email: oauth.Str(r.Raw, "account", "email_address"), ExternalID: oauth.Str(r.Raw, "account", "uuid")}
	if org := oauth.Str(r.Raw, "organization", "name"); org != "" {
		id.Meta = map[string]string{"organization": org}
	}
	return id, nil
}

// parseImport reads Claude Code's ~/.claude/.credentials.json ({"claudeAiOauth":{accessToken, refreshToken,
// expiresAt (ms), subscriptionType}}).
func parseImport(raw []byte) (oauth.Grant, error) {
	var f struct {
		OAuth struct {
			AccessToken      string `json:"accessToken"`
			RefreshToken     string `json:"refreshToken"`
			ExpiresAt        int64  `json:"expiresAt"`
			SubscriptionType string `json:"subscriptionType"`
		} `json:"claudeAiOauth"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return oauth.Grant{}, err
	}
	if f.OAuth.RefreshToken == "" {
		return oauth.Grant{}, errors.New("it holds no claudeAiOauth refresh token")
	}
	g := oauth.Grant{Token: oauth.Token{AccessToken: f.OAuth.AccessToken, RefreshToken: f.OAuth.RefreshToken}}
	if f.OAuth.ExpiresAt > 0 {
		g.Token.Expiry = time.UnixMilli(f.OAuth.ExpiresAt)
	}
	g.Identity.Plan = f.OAuth.SubscriptionType
	return g, nil
}

// Executor speaks Anthropic Messages with the OAuth Bearer token.
type Executor struct{}

func (Executor) Formats() []wire.Format { return []wire.Format{wire.Anthropic} }

func (Executor) NewRequest(ctx context.Context, c provider.Call) (*http.Request, error) {
	path := "/messages"
	if c.Count {
		path = "/messages/count_tokens"
	}
	req, err := provider.NewJSONRequest(ctx, c.BaseURL, path, "beta=true", c)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Credential.AccessToken)
	version := provider.AnthropicVersion
	betas := []string{OAuthBeta}
	if c.ClientHeader != nil {
		if v := c.ClientHeader.Get("anthropic-version"); v != "" {
			version = v
		}
		// The client's own beta flags pass through (identity policy rule 1/2); the OAuth flag is added once.
		for _, v := range c.ClientHeader.Values("anthropic-beta") {
			for _, b := range strings.Split(v, ",") {
				if b = strings.TrimSpace(b); b != "" && b != OAuthBeta {
					betas = append(betas, b)
				}
			}
		}
	}
	req.Header.Set("anthropic-version", version)
	req.Header.Set("anthropic-beta", strings.Join(betas, ","))
	return req, nil
}
