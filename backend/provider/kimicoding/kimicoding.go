// Package kimicoding is the Kimi coding-plan subscription provider (prefix kmc): sign-in with Kimi's RFC 8628
// device flow at auth.kimi.com, requests on the Anthropic Messages wire at api.kimi.com/coding with the OAuth
// token as a Bearer credential (docs/subscriptions.md). Kimi's own CLI adds X-Msh-* device headers; they are a
// device identity, so none is sent.
package kimicoding

import (
	"context"
	"time"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
)

// ID is the provider id; "kmc" is its model prefix.
const ID = "kimi-coding"

// Spec is the routing side.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: ID, Name: "Kimi coding (subscription)", Aliases: []string{"kmc"}, Auth: provider.AuthOAuth,
		DefaultBaseURL: "https://api.kimi.com/coding/v1",
		Models:         []string{"kimi-k2.5", "kimi-k2.5-thinking", "kimi-latest"},
		Notice:         "Uses your Kimi coding plan through Kimi's own device sign-in.",
		Executor:       provider.AnthropicExecutor{Query: "beta=true"},
	}
}

// OAuth is the sign-in side.
func OAuth() *oauth.Provider {
	return &oauth.Provider{
		ID: ID, Name: "Kimi coding", Plans: "coding plan",
		ClientID: "17e5f671-d194-4dfb-9706-5516cb48c098",
		Flows:    []oauth.Flow{oauth.FlowDevice},
		Lead:     5 * time.Minute,
		Endpoints: map[string]string{
			"device": "https://auth.kimi.com/api/oauth/device_authorization",
			"token":  "https://auth.kimi.com/api/oauth/token",
			"api":    "https://api.kimi.com/coding/v1",
			"quota":  "https://api.kimi.com/coding/v1/usages",
		},
		Identify: identify,
	}
}

// identify reads what the access token says about its owner, when it is a JWT; Kimi documents no userinfo call.
func identify(_ context.Context, _ oauth.Env, r oauth.TokenResponse) (oauth.Identity, error) {
	c, err := oauth.JWTClaims(r.Token.AccessToken)
	if err != nil {
		return oauth.Identity{}, nil
	}
	return oauth.Identity{Email: oauth.Str(c, "email"), ExternalID: oauth.Str(c, "sub")}, nil
}
