// Package geminicli is the Gemini CLI / Gemini Code Assist subscription provider (prefix gc): Google sign-in
// with the Gemini CLI's installed-app client (PKCE S256, loopback callback or the pasted code from Google's
// code page), project discovery through loadCodeAssist / onboardUser (the project id is kept with the account),
// and requests in the Code Assist envelope {model, project, request} at cloudcode-pa.googleapis.com
// (docs/subscriptions.md). Google sunset the consumer Gemini CLI sign-in and says this client is meant for
// Gemini CLI only: the provider is marked deprecated with its ban risk. The User-Agent is NineRouter's; no
// Gemini CLI identity is sent.
package geminicli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
)

// ID is the provider id; "gc" is its model prefix (9Router's).
const ID = "gemini-cli"

// GoogleScopes are the scopes every Code Assist sign-in asks for.
var GoogleScopes = []string{"https://www.googleapis.com/auth/cloud-platform",
	"https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile"}

// GoogleEndpoints are Google's sign-in endpoints and the Code Assist API, shared by both Google products.
func GoogleEndpoints(api string) map[string]string {
	return map[string]string{
		"authorize": "https://accounts.google.com/o/oauth2/v2/auth",
		"token":     "https://oauth2.googleapis.com/token",
		"redirect":  "http://localhost:0/oauth2callback",
		"userinfo":  "https://www.googleapis.com/oauth2/v2/userinfo",
		"api":       api,
	}
}

// product is Gemini CLI's Code Assist profile.
var product = Product{
	Metadata:     map[string]string{"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"},
	OnboardTries: 10, OnboardWait: 5 * time.Second,
}

// Spec is the routing side.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: ID, Name: "Gemini CLI (Code Assist)", Aliases: []string{"gc"}, Auth: provider.AuthOAuth,
		DefaultBaseURL: "https://cloudcode-pa.googleapis.com",
		Models:         []string{"gemini-3-pro-preview", "gemini-3-flash-preview", "gemini-2.5-pro", "gemini-2.5-flash"},
		Notice: "Deprecated upstream: Google sunset the consumer Gemini CLI sign-in, and says it is designed for Gemini CLI only; " +
			"using it elsewhere may result in account restrictions or bans.",
		Executor: Executor{Product: product},
	}
}

// OAuth is the sign-in side.
func OAuth() *oauth.Provider {
	ep := GoogleEndpoints("https://cloudcode-pa.googleapis.com")
	ep["manual_redirect"] = "https://codeassist.google.com/authcode" // Google's page that shows the code to paste
	return &oauth.Provider{
		ID: ID, Name: "Gemini CLI (Code Assist)", Plans: "Google account (Code Assist free tier)",
		Status: "deprecated: Google sunset the consumer Gemini CLI sign-in; CLIProxyAPI removed it, 9Router marks it deprecated",
		Risk:   "Google says this sign-in is designed exclusively for Gemini CLI; using it from other tools may result in account restrictions or bans.",
		// The Gemini CLI's installed-app client; Google documents that an installed app's secret is not secret.
		ClientID:     "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
		ClientSecret: "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",
		Scopes:       GoogleScopes,
		Flows:        []oauth.Flow{oauth.FlowBrowser, oauth.FlowImport},
		Lead:         5 * time.Minute,
		Endpoints:    ep,
		// offline + consent: Google returns a refresh token only then.
		AuthParams: map[string]string{"access_type": "offline", "prompt": "consent"},
		ImportPath: ".gemini/oauth_creds.json",
		ImportNote: "NineRouter will refresh this login on its own schedule. If Google rotates or revokes the refresh token, " +
			"Gemini CLI may be signed out and need `gemini` to sign in again.",
		Identify:    product.Identify,
		ParseImport: ParseImport,
	}
}

// Identify reads the Google account (userinfo) and discovers its Code Assist project, which is kept with the
// account: a sign-in without a project could serve no request, so it fails instead.
func (p Product) Identify(ctx context.Context, e oauth.Env, r oauth.TokenResponse) (oauth.Identity, error) {
	var u struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	if err := e.GetJSON(ctx, http.MethodGet, e.URL("userinfo"), "Bearer "+r.Token.AccessToken, nil, &u); err != nil {
		return oauth.Identity{}, fmt.Errorf("read the Google account: %w", err)
	}
	proj, err := p.Discover(ctx, e, r.Token.AccessToken)
	if err != nil {
		return oauth.Identity{}, err
	}
	plan := proj.TierName
	if plan == "" {
		plan = proj.TierID
	}
	return oauth.Identity{Email: u.Email, ExternalID: u.ID, Plan: plan,
		Meta: map[string]string{ProjectKey: proj.ID, "tier": proj.TierID}}, nil
}

// ParseImport reads the Gemini CLI's ~/.gemini/oauth_creds.json ({access_token, refresh_token, expiry_date (ms),
// id_token}); the identity and project are then read from Google.
func ParseImport(raw []byte) (oauth.Grant, error) {
	var f struct {
		AccessToken  string  `json:"access_token"`
		RefreshToken string  `json:"refresh_token"`
		IDToken      string  `json:"id_token"`
		ExpiryDate   float64 `json:"expiry_date"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return oauth.Grant{}, err
	}
	if f.RefreshToken == "" {
		return oauth.Grant{}, errors.New("it holds no Google refresh token")
	}
	g := oauth.Grant{Token: oauth.Token{AccessToken: f.AccessToken, RefreshToken: f.RefreshToken, IDToken: f.IDToken}}
	if f.ExpiryDate > 0 {
		g.Token.Expiry = time.UnixMilli(int64(f.ExpiryDate))
	}
	return g, nil
}
