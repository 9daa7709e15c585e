package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// config is the provider as an x/oauth2 config; redirect is the flow's redirect URI ("" for refresh/device).
func (e Env) config(redirect string) *oauth2.Config {
	p := e.Provider
	return &oauth2.Config{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret, Scopes: p.Scopes, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.URL("authorize"), TokenURL: e.URL("token"), DeviceAuthURL: e.URL("device"),
			AuthStyle: oauth2.AuthStyleInParams},
	}
}

// ctx carries our HTTP client into x/oauth2.
func (e Env) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, e.HTTP)
}

// AuthURL is the authorize URL of a PKCE flow.
func (e Env) AuthURL(state, verifier, redirect string) string {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	for k, v := range e.Provider.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	return e.config(redirect).AuthCodeURL(state, opts...)
}

// Exchange trades an authorization code for a token.
func (e Env) Exchange(ctx context.Context, code, state, verifier, redirect string) (TokenResponse, error) {
	if e.Provider.JSONToken {
		return e.postJSON(ctx, map[string]string{"grant_type": "authorization_code", "code": code, "state": state,
			"client_id": e.Provider.ClientID, "redirect_uri": redirect, "code_verifier": verifier})
	}
	t, err := e.config(redirect).Exchange(e.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return TokenResponse{}, vendorError(err)
	}
	return fromOAuth2(t), nil
}

// RefreshToken runs the refresh_token grant. The vendor may rotate the refresh token; when it returns none, the
// old one stays in use.
func (e Env) RefreshToken(ctx context.Context, t Token) (Token, error) {
	if t.RefreshToken == "" {
		return Token{}, fmt.Errorf("%w: no refresh token is stored", ErrNeedsSignIn)
	}
	var resp TokenResponse
	var err error
	if e.Provider.JSONToken {
		resp, err = e.postJSON(ctx, map[string]string{"grant_type": "refresh_token", "refresh_token": t.RefreshToken,
			"client_id": e.Provider.ClientID})
	} else {
		var ot *oauth2.Token
		ot, err = e.config("").TokenSource(e.ctx(ctx), &oauth2.Token{RefreshToken: t.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
		if err == nil {
			resp = fromOAuth2(ot)
		} else {
			err = vendorError(err)
		}
	}
	if err != nil {
		return Token{}, err
	}
	n := resp.Token
	if n.RefreshToken == "" {
		n.RefreshToken = t.RefreshToken
	}
	if n.IDToken == "" {
		n.IDToken = t.IDToken
	}
	n.Extra, n.Seq = t.Extra, t.Seq+1
	return n, nil
}

// Device starts an RFC 8628 device authorization.
func (e Env) Device(ctx context.Context) (DeviceCode, *oauth2.DeviceAuthResponse, error) {
	da, err := e.config("").DeviceAuth(e.ctx(ctx))
	if err != nil {
		return DeviceCode{}, nil, vendorError(err)
	}
	return DeviceCode{DeviceCode: da.DeviceCode, UserCode: da.UserCode, VerificationURI: da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete, Interval: time.Duration(da.Interval) * time.Second,
		Expiry: da.Expiry}, da, nil
}

// DeviceToken polls until the user approves, honouring interval and slow_down (x/oauth2); access_denied and
// expired_token end it with a VendorError.
func (e Env) DeviceToken(ctx context.Context, da *oauth2.DeviceAuthResponse) (TokenResponse, error) {
	t, err := e.config("").DeviceAccessToken(e.ctx(ctx), da)
	if err != nil {
		return TokenResponse{}, vendorError(err)
	}
	return fromOAuth2(t), nil
}

func fromOAuth2(t *oauth2.Token) TokenResponse {
	r := TokenResponse{Token: Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, Issued: time.Now()},
		Raw: map[string]any{}}
	if id, ok := t.Extra("id_token").(string); ok {
		r.Token.IDToken = id
		r.Raw["id_token"] = id
	}
	return r
}

func vendorError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		ve := &VendorError{Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			ve.Status = re.Response.StatusCode
		}
		if ve.Code == "" && ve.Description == "" {
			ve.Description = strings.TrimSpace(truncate(string(re.Body), 200))
		}
		return ve
	}
	return err
}

// postJSON posts a JSON token request and reads a JSON token answer (Anthropic).
func (e Env) postJSON(ctx context.Context, body map[string]string) (TokenResponse, error) {
	b, _ := json.Marshal(body)
	return e.TokenCall(ctx, e.URL("token"), "application/json", b)
}

// TokenCall posts a token request of any encoding and reads the usual JSON answer.
func (e Env) TokenCall(ctx context.Context, rawURL, contentType string, body []byte) (TokenResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return TokenResponse{}, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	raw, status, err := e.Do(req)
	if err != nil {
		return TokenResponse{}, err
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		if status/100 == 2 {
			return TokenResponse{}, fmt.Errorf("the token endpoint answered something that is not JSON: %q", truncate(string(raw), 120))
		}
		return TokenResponse{}, &VendorError{Status: status, Description: truncate(strings.TrimSpace(string(raw)), 200)}
	}
	if status/100 != 2 || str(m, "error") != "" {
		code, desc := str(m, "error"), str(m, "error_description")
		if code == "" {
			if em, ok := m["error"].(map[string]any); ok { // {"error":{"type","message"}}
				code, desc = str(em, "type"), str(em, "message")
			}
		}
		return TokenResponse{}, &VendorError{Status: status, Code: code, Description: desc}
	}
	t := Token{AccessToken: firstStr(m, "access_token", "accessToken"), RefreshToken: firstStr(m, "refresh_token", "refreshToken"),
		IDToken: str(m, "id_token"), Issued: time.Now()}
	if secs := firstNum(m, "expires_in", "expiresIn"); secs > 0 {
		t.Expiry = time.Now().Add(time.Duration(secs * float64(time.Second)))
	}
	if t.AccessToken == "" {
		return TokenResponse{}, fmt.Errorf("the token endpoint's answer has no access token")
	}
	return TokenResponse{Token: t, Raw: m}, nil
}

// Do sends req with NineRouter's client and reads at most 1 MiB of the answer.
func (e Env) Do(req *http.Request) ([]byte, int, error) {
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %w", req.Method, redactURL(req.URL), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return raw, resp.StatusCode, err
}

// GetJSON sends an authorised GET (or POST when body != nil) and decodes a 2xx JSON answer into out.
func (e Env) GetJSON(ctx context.Context, method, rawURL, authHeader string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return err
	}
	if authHeader != "" {
		req.Header.Set("Authorization", authHeader)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	raw, status, err := e.Do(req)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		var m map[string]any
		ve := &VendorError{Status: status}
		if json.Unmarshal(raw, &m) == nil {
			ve.Code, ve.Description = str(m, "error"), firstStr(m, "error_description", "message")
			if em, ok := m["error"].(map[string]any); ok {
				ve.Code, ve.Description = firstStr(em, "status", "type", "code"), str(em, "message")
			}
		} else {
			ve.Description = truncate(strings.TrimSpace(string(raw)), 200)
		}
		return ve
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s answered an unexpected shape: %w", redactURL(req.URL), err)
	}
	return nil
}

func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	return c.String()
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func firstStr(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s := str(m, k); s != "" {
			return s
		}
	}
	return ""
}

func firstNum(m map[string]any, keys ...string) float64 {
	for _, k := range keys {
		if f, ok := m[k].(float64); ok {
			return f
		}
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
