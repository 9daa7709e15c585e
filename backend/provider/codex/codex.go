// Package codex is the ChatGPT Plus/Pro subscription provider through the Codex backend (prefix cx): sign-in
// with PKCE at auth.openai.com returning to the mandated http://localhost:1455/auth/callback, requests on the
// OpenAI Responses wire with `store:false`, always streamed upstream (the proxy folds the stream for clients
// that asked for JSON), and the reasoning effort taken from a model suffix (docs/subscriptions.md).
package codex

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// ID is the provider id; "cx" is its model prefix.
const ID = "codex"

// Originator is the protocol field the Codex backend and its sign-in expect for this OAuth client (the client
// id is the Codex CLI's; there is no other). It is the one Codex value sent; the User-Agent is NineRouter's.
const Originator = "codex_cli_rs"

// Spec is the routing side.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: ID, Name: "Codex (ChatGPT Plus/Pro)", Aliases: []string{"cx"}, Auth: provider.AuthOAuth,
		DefaultBaseURL: "https://chatgpt.com/backend-api/codex",
		Models: []string{"gpt-5.5", "gpt-5.4", "gpt-5.3-codex", "gpt-5.3-codex-xhigh", "gpt-5.3-codex-high",
			"gpt-5.3-codex-low", "gpt-5.3-codex-none", "gpt-5.3-codex-spark", "gpt-5.2-codex", "gpt-5.1-codex-max",
			"gpt-5.1-codex-mini", "gpt-5-codex"},
		Notice:   "Uses your ChatGPT plan's Codex allowance. OpenAI has banned accounts used through proxies; use your own account only.",
		Executor: Executor{Images: NewImageFetcher(false)},
	}
}

// OAuth is the sign-in side.
func OAuth() *oauth.Provider {
	return &oauth.Provider{
		ID: ID, Name: "ChatGPT / Codex", Plans: "Plus / Pro / Team",
		Risk:     "OpenAI has banned accounts used through proxies (CLIProxyAPI #3431); the Codex endpoint is the most tolerant of the subscription ones.",
		ClientID: "app_EMoamEEZ73f0CkXaXp7hrann",
		Scopes:   []string{"openid", "profile", "email", "offline_access"},
		Flows:    []oauth.Flow{oauth.FlowBrowser, oauth.FlowImport},
		Lead:     5 * 24 * time.Hour,
		Endpoints: map[string]string{
			"authorize": "https://auth.openai.com/oauth/authorize",
			"token":     "https://auth.openai.com/oauth/token",
			"redirect":  "http://localhost:1455/auth/callback", // the only redirect this client accepts
			"api":       "https://chatgpt.com/backend-api/codex",
			"quota":     "https://chatgpt.com/backend-api/wham/usage",
		},
		AuthParams: map[string]string{"id_token_add_organizations": "true", "codex_cli_simplified_flow": "true",
			"originator": Originator},
		ImportPath:  ".codex/auth.json",
		ImportNote:  "NineRouter will refresh this login on its own schedule. OpenAI rotates refresh tokens, so the Codex CLI may be signed out and need `codex login` again.",
		Identify:    identify,
		ParseImport: parseImport,
	}
}

const authClaim = "https://api.openai.com/auth"

func identify(_ context.Context, _ oauth.Env, r oauth.TokenResponse) (oauth.Identity, error) {
	idt := r.Token.IDToken
	if idt == "" {
		return oauth.Identity{}, errors.New("the token answer has no id_token")
	}
	c, err := oauth.JWTClaims(idt)
	if err != nil {
		return oauth.Identity{}, err
	}
	id := oauth.Identity{Email: oauth.Str(c, "email"), Plan: oauth.Str(c, authClaim, "chatgpt_plan_type"),
		ExternalID: oauth.Str(c, authClaim, "chatgpt_account_id")}
	if id.ExternalID != "" {
		id.Meta = map[string]string{"account_id": id.ExternalID}
	}
	return id, nil
}

// parseImport reads the Codex CLI's ~/.codex/auth.json ({"tokens":{id_token, access_token, refresh_token,
// account_id}}).
func parseImport(raw []byte) (oauth.Grant, error) {
	var f struct {
		Tokens struct {
			IDToken      string `json:"id_token"`
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
			AccountID    string `json:"account_id"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return oauth.Grant{}, err
	}
	if f.Tokens.RefreshToken == "" {
		return oauth.Grant{}, errors.New("it holds no ChatGPT refresh token (an API-key login cannot be imported)")
	}
	t := oauth.Token{AccessToken: f.Tokens.AccessToken, RefreshToken: f.Tokens.RefreshToken, IDToken: f.Tokens.IDToken,
		Expiry: oauth.JWTExpiry(f.Tokens.AccessToken)}
	id, _ := identify(context.Background(), oauth.Env{}, oauth.TokenResponse{Token: t})
	if id.ExternalID == "" && f.Tokens.AccountID != "" {
		id.ExternalID, id.Meta = f.Tokens.AccountID, map[string]string{"account_id": f.Tokens.AccountID}
	}
	return oauth.Grant{Token: t, Identity: id}, nil
}

// Executor speaks the Responses wire to the Codex backend. Images, when set, inlines the remote images a client
// named (the backend takes images only as data URLs).
type Executor struct{ Images *ImageFetcher }

func (Executor) Formats() []wire.Format { return []wire.Format{wire.Responses} }

// StreamOnly: the Codex backend answers only as a stream.
func (Executor) StreamOnly() bool { return true }

// efforts are the model suffixes that choose the reasoning effort (9Router's catalogue).
var efforts = []string{"none", "minimal", "low", "medium", "high", "xhigh"}

// SplitEffort strips a reasoning-effort suffix from a model id: "gpt-5.3-codex-high" → ("gpt-5.3-codex", "high").
func SplitEffort(model string) (string, string) {
	for _, e := range efforts {
		if base, ok := strings.CutSuffix(model, "-"+e); ok && base != "" {
			return base, e
		}
	}
	return model, ""
}

// dropped are request fields the Codex backend refuses.
var dropped = []string{"temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs",
	"n", "seed", "max_tokens", "max_output_tokens", "max_completion_tokens", "user", "metadata", "stream_options",
	"prompt_cache_retention", "safety_identifier", "reasoning_effort"}

// Body applies the Codex request rules to a Responses body.
func Body(body []byte, model string) ([]byte, error) {
	base, effort := SplitEffort(model)
	if effort == "" {
		effort = gjson.GetBytes(body, "reasoning.effort").String()
	}
	if effort == "" {
		effort = gjson.GetBytes(body, "reasoning_effort").String()
	}
	if effort == "" {
		effort = "low"
	}
	var err error
	set := func(path string, v any) {
		if err == nil {
			body, err = sjson.SetBytes(body, path, v)
		}
	}
	for _, k := range dropped {
		if err == nil && gjson.GetBytes(body, k).Exists() {
			body, err = sjson.DeleteBytes(body, k)
		}
	}
	set("model", base)
	set("store", false)
	set("stream", true)
	if !gjson.GetBytes(body, "instructions").Exists() {
		set("instructions", "")
	}
	set("reasoning.effort", effort)
	if effort != "none" {
		set("reasoning.summary", "auto")
		set("include", []string{"reasoning.encrypted_content"})
	}
	return body, err
}

func (x Executor) NewRequest(ctx context.Context, c provider.Call) (*http.Request, error) {
	body, err := Body(c.Body, c.Model)
	if err != nil {
		return nil, err
	}
	if x.Images != nil {
		if body, err = x.Images.Inline(ctx, body); err != nil {
			return nil, err
		}
	}
	c.Body, c.Stream = body, true
	req, err := provider.NewJSONRequest(ctx, c.BaseURL, "/responses", "", c)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Credential.AccessToken)
	req.Header.Set("originator", Originator)
	if id := c.Credential.Meta["account_id"]; id != "" {
		req.Header.Set("chatgpt-account-id", id)
	}
	return req, nil
}
