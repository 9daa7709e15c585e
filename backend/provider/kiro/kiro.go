// Package kiro is the Kiro subscription provider (prefix kr): sign-in with the AWS Builder ID device flow (a
// public OIDC client registered for NineRouter under its own name, then device authorization and token polling
// at oidc.<region>.amazonaws.com), or an explicit import of the Kiro IDE's token file; requests to the
// CodeWhisperer generateAssistantResponse API in its conversationState format (request.go), whose answer is a
// binary AWS EventStream decoded with its CRC checks and re-emitted as Anthropic Messages events (stream.go)
// (docs/subscriptions.md). No Kiro IDE or AWS SDK identity is sent: the User-Agent is NineRouter's.
package kiro

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
)

// ID is the provider id; "kr" is its model prefix (9Router's).
const ID = "kiro"

// Builder ID sign-in facts (docs/subscriptions.md).
const (
	defaultRegion = "us-east-1"
	issuerURL     = "https://identitycenter.amazonaws.com/ssoins-722374e8c3c8e6c6"
	grantDevice   = "urn:ietf:params:oauth:grant-type:device_code"
	// RefreshPrefix starts every Kiro refresh token; an import without it is refused (9Router's check).
	RefreshPrefix = "aorAAAAAG"
)

// regionPattern is an AWS region name; an imported region becomes part of a host name.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

var scopes = []string{"codewhisperer:completions", "codewhisperer:analysis", "codewhisperer:conversations"}

// Token.Extra keys (secret: they live in the keychain with the token) and Identity.Meta keys (not secret).
const (
	extraClientID     = "client_id"
	extraClientSecret = "client_secret"
	metaAuthMethod    = "auth_method" // "builder-id" (AWS OIDC refresh) or "social" (Kiro's refresh endpoint)
	metaRegion        = "region"
	// MetaProfileARN is the CodeWhisperer profile a request names, when the sign-in gave one.
	MetaProfileARN = "profile_arn"
)

// Spec is the routing side.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: ID, Name: "Kiro", Aliases: []string{"kr"}, Auth: provider.AuthOAuth,
		DefaultBaseURL: "https://codewhisperer.us-east-1.amazonaws.com",
		Models:         []string{"claude-sonnet-4.5", "claude-haiku-4.5", "deepseek-3.2", "qwen3-coder-next", "glm-5", "MiniMax-M2.5"},
		Notice: "Uses your Kiro (AWS Builder ID) allowance. Kiro is meant for the Kiro IDE; requests with many tools are often " +
			"refused as \"Improperly formed request\".",
		Executor: Executor{},
	}
}

// OAuth is the sign-in side.
func OAuth() *oauth.Provider {
	return &oauth.Provider{
		ID: ID, Name: "Kiro", Plans: "AWS Builder ID (free / Pro)",
		Risk:  "Kiro's allowance is meant for the Kiro IDE; AWS may limit other clients.",
		Flows: []oauth.Flow{oauth.FlowDevice, oauth.FlowImport},
		Lead:  5 * time.Minute,
		Endpoints: map[string]string{
			"oidc":           "https://oidc." + defaultRegion + ".amazonaws.com",
			"start_url":      "https://view.awsapps.com/start",
			"social_refresh": "https://prod.us-east-1.auth.desktop.kiro.dev/refreshToken",
			"api":            "https://codewhisperer.us-east-1.amazonaws.com",
			"quota":          "https://codewhisperer.us-east-1.amazonaws.com/getUsageLimits",
		},
		ImportPath: ".aws/sso/cache/kiro-auth-token.json",
		ImportNote: "NineRouter will refresh this login on its own schedule. Kiro rotates refresh tokens, so the Kiro IDE " +
			"may be signed out and need you to sign in again there.",
		Identify:      identify,
		ParseImportAt: ParseImportAt,
		DeviceStart:   deviceStart,
		DevicePoll:    devicePoll,
		RefreshFunc:   refresh,
	}
}

// oidcURL is the AWS OIDC base of region: NINEROUTER_ENDPOINTS' "oidc" when set (tests), else the region's own.
func oidcURL(e oauth.Env, region string) string {
	if v := e.Endpoints.URL(ID, "oidc", ""); v != "" {
		return strings.TrimRight(v, "/")
	}
	if region == "" {
		region = defaultRegion
	}
	return "https://oidc." + region + ".amazonaws.com"
}

func postJSON(ctx context.Context, e oauth.Env, url string, body any, out any) error {
	b, _ := json.Marshal(body)
	return e.GetJSON(ctx, http.MethodPost, url, "", b, out)
}

// deviceStart registers a public OIDC client named NineRouter and starts a device authorization with it.
func deviceStart(ctx context.Context, e oauth.Env) (oauth.DeviceCode, error) {
	base := oidcURL(e, defaultRegion)
	var reg struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
	if err := postJSON(ctx, e, base+"/client/register", map[string]any{"clientName": "NineRouter", "clientType": "public",
		"scopes": scopes, "grantTypes": []string{grantDevice, "refresh_token"}, "issuerUrl": issuerURL}, &reg); err != nil {
		return oauth.DeviceCode{}, fmt.Errorf("register with AWS: %w", err)
	}
	if reg.ClientID == "" || reg.ClientSecret == "" {
		return oauth.DeviceCode{}, errors.New("register with AWS: the answer has no client id or secret")
	}
	var da struct {
		DeviceCode              string `json:"deviceCode"`
		UserCode                string `json:"userCode"`
		VerificationURI         string `json:"verificationUri"`
		VerificationURIComplete string `json:"verificationUriComplete"`
		ExpiresIn               int    `json:"expiresIn"`
		Interval                int    `json:"interval"`
	}
	if err := postJSON(ctx, e, base+"/device_authorization", map[string]string{"clientId": reg.ClientID,
		"clientSecret": reg.ClientSecret, "startUrl": e.URL("start_url")}, &da); err != nil {
		return oauth.DeviceCode{}, fmt.Errorf("start the AWS device authorization: %w", err)
	}
	if da.DeviceCode == "" || da.UserCode == "" {
		return oauth.DeviceCode{}, errors.New("start the AWS device authorization: the answer has no device or user code")
	}
	return oauth.DeviceCode{DeviceCode: da.DeviceCode, UserCode: da.UserCode, VerificationURI: da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete, Interval: time.Duration(max(da.Interval, 1)) * time.Second,
		Expiry: time.Now().Add(time.Duration(max(da.ExpiresIn, 60)) * time.Second),
		Extra:  map[string]string{extraClientID: reg.ClientID, extraClientSecret: reg.ClientSecret}}, nil
}

// devicePoll polls AWS OIDC's token endpoint (camelCase JSON, RFC 8628 error codes) until the user approves,
// honouring interval and slow_down; access_denied and expired_token end it.
func devicePoll(ctx context.Context, e oauth.Env, dc oauth.DeviceCode) (oauth.TokenResponse, error) {
	base := oidcURL(e, defaultRegion)
	interval := dc.Interval
	body, _ := json.Marshal(map[string]string{"clientId": dc.Extra[extraClientID], "clientSecret": dc.Extra[extraClientSecret],
		"deviceCode": dc.DeviceCode, "grantType": grantDevice})
	for {
		select {
		case <-ctx.Done():
			return oauth.TokenResponse{}, ctx.Err()
		case <-time.After(interval):
		}
		if !dc.Expiry.IsZero() && time.Now().After(dc.Expiry) {
			return oauth.TokenResponse{}, &oauth.VendorError{Code: "expired_token", Description: "the device code expired"}
		}
		resp, err := e.TokenCall(ctx, base+"/token", "application/json", body)
		var ve *oauth.VendorError
		switch {
		case err == nil:
			resp.Token.Extra = map[string]string{extraClientID: dc.Extra[extraClientID], extraClientSecret: dc.Extra[extraClientSecret]}
			return resp, nil
		case errors.As(err, &ve) && ve.Code == "authorization_pending":
		case errors.As(err, &ve) && ve.Code == "slow_down":
			interval += 5 * time.Second
		default:
			return oauth.TokenResponse{}, err
		}
	}
}

// refresh renews a Builder ID token at AWS OIDC with the account's registered client, or a social-login token
// at Kiro's own refresh endpoint. The refresh token may rotate; the client stays.
func refresh(ctx context.Context, e oauth.Env, t oauth.Token, id oauth.Identity) (oauth.Token, error) {
	if t.RefreshToken == "" {
		return oauth.Token{}, fmt.Errorf("%w: no refresh token is stored", oauth.ErrNeedsSignIn)
	}
	var url string
	var body []byte
	if id.Meta[metaAuthMethod] == "social" {
		url = e.URL("social_refresh")
		body, _ = json.Marshal(map[string]string{"refreshToken": t.RefreshToken})
	} else {
		if t.Extra[extraClientID] == "" || t.Extra[extraClientSecret] == "" {
			return oauth.Token{}, fmt.Errorf("%w: the stored sign-in has no AWS client registration", oauth.ErrNeedsSignIn)
		}
		url = oidcURL(e, id.Meta[metaRegion]) + "/token"
		body, _ = json.Marshal(map[string]string{"clientId": t.Extra[extraClientID], "clientSecret": t.Extra[extraClientSecret],
			"refreshToken": t.RefreshToken, "grantType": "refresh_token"})
	}
	resp, err := e.TokenCall(ctx, url, "application/json", body)
	if err != nil {
		return oauth.Token{}, err
	}
	n := resp.Token
	if n.RefreshToken == "" {
		n.RefreshToken = t.RefreshToken
	}
	n.Extra, n.Seq = t.Extra, t.Seq+1
	return n, nil
}

// identify asks CodeWhisperer's usage-limits call for the account's email and subscription (best effort: a
// Builder ID token carries neither, and the call failing must not fail a sign-in that worked).
func identify(ctx context.Context, e oauth.Env, r oauth.TokenResponse) (oauth.Identity, error) {
	id := oauth.Identity{Meta: map[string]string{metaRegion: defaultRegion, metaAuthMethod: "builder-id"}}
	if arn, ok := r.Raw["profileArn"].(string); ok && arn != "" {
		id.Meta[MetaProfileARN] = arn
	}
	var u struct {
		UserInfo struct {
			Email  string `json:"email"`
			UserID string `json:"userId"`
		} `json:"userInfo"`
		Subscription struct {
			Title string `json:"subscriptionTitle"`
		} `json:"subscriptionInfo"`
	}
	q := "?isEmailRequired=true&origin=AI_EDITOR&resourceType=AGENTIC_REQUEST"
	if arn := id.Meta[MetaProfileARN]; arn != "" {
		q += "&profileArn=" + arn
	}
	if err := e.GetJSON(ctx, http.MethodGet, e.URL("quota")+q, "Bearer "+r.Token.AccessToken, nil, &u); err == nil {
		id.Email, id.ExternalID, id.Plan = u.UserInfo.Email, u.UserInfo.UserID, u.Subscription.Title
	}
	return id, nil
}

// TokenFile is the Kiro IDE's ~/.aws/sso/cache/kiro-auth-token.json.
type TokenFile struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	ExpiresAt    string `json:"expiresAt"`
	AuthMethod   string `json:"authMethod"` // "social" or "IdC"
	Provider     string `json:"provider"`   // Google, Github, BuilderId, …
	ProfileARN   string `json:"profileArn"`
	Region       string `json:"region"`
	ClientIDHash string `json:"clientIdHash"` // names the file holding the IdC client registration
}

// ParseTokenFile reads the token file.
func ParseTokenFile(raw []byte) (TokenFile, error) {
	var f TokenFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return f, err
	}
	if !strings.HasPrefix(f.RefreshToken, RefreshPrefix) {
		return f, errors.New("it holds no Kiro refresh token (one starts with " + RefreshPrefix + ")")
	}
	if f.Region == "" {
		f.Region = defaultRegion
	}
	if !regionPattern.MatchString(f.Region) {
		return f, fmt.Errorf("its region %q is not an AWS region name", f.Region)
	}
	if f.ClientIDHash != "" && (strings.ContainsAny(f.ClientIDHash, `/\`) || strings.Contains(f.ClientIDHash, "..")) {
		return f, errors.New("its clientIdHash is not a file name")
	}
	return f, nil
}

// ParseImportAt reads the token file at path and, for an AWS (IdC / Builder ID) login, the client registration
// the IDE keeps beside it (<clientIdHash>.json), which its refresh needs.
func ParseImportAt(path string, raw []byte) (oauth.Grant, error) {
	f, err := ParseTokenFile(raw)
	if err != nil {
		return oauth.Grant{}, err
	}
	t := oauth.Token{AccessToken: f.AccessToken, RefreshToken: f.RefreshToken}
	method := "social"
	if exp, err := time.Parse(time.RFC3339, f.ExpiresAt); err == nil {
		t.Expiry = exp
	}
	if !strings.EqualFold(f.AuthMethod, "social") {
		if f.ClientIDHash == "" {
			return oauth.Grant{}, errors.New("it is an AWS login but names no client registration (clientIdHash)")
		}
		cpath := filepath.Join(filepath.Dir(path), f.ClientIDHash+".json")
		craw, err := os.ReadFile(cpath)
		if err != nil {
			return oauth.Grant{}, fmt.Errorf("its AWS client registration %s cannot be read: %w", cpath, err)
		}
		var c struct {
			ClientID     string `json:"clientId"`
			ClientSecret string `json:"clientSecret"`
		}
		if json.Unmarshal(craw, &c) != nil || c.ClientID == "" || c.ClientSecret == "" {
			return oauth.Grant{}, fmt.Errorf("%s holds no AWS client id and secret", cpath)
		}
		t.Extra = map[string]string{extraClientID: c.ClientID, extraClientSecret: c.ClientSecret}
		method = "builder-id"
	}
	id := oauth.Identity{Meta: map[string]string{metaRegion: f.Region, metaAuthMethod: method}}
	if f.ProfileARN != "" {
		id.Meta[MetaProfileARN] = f.ProfileARN
	}
	return oauth.Grant{Token: t, Identity: id}, nil
}
