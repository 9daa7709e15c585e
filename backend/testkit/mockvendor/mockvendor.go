// Package mockvendor is an in-repo stand-in for the subscription vendors NineRouter signs in to, for tests
// only (the real ones are unreachable from CI): OAuth authorize pages that approve at once and redirect, token
// endpoints with PKCE checks and refresh-token rotation, device authorization with pending / slow_down /
// expired / denied answers, invalid_grant on revoked tokens, and each vendor's API with 401 on an expired token:
// Claude Messages, Codex Responses (always SSE), GitHub with the Copilot token mint and Copilot chat.
//
// Every issued token contains Canary, so a test can prove no token reaches the database, logs or answers.
package mockvendor

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Canary is part of every token the mock issues.
const Canary = "NRCANARY"

// Vendors the mock serves (path prefixes and NINEROUTER_ENDPOINTS keys).
const (
	Claude  = "claude"
	Codex   = "codex"
	GitHub  = "github"
	Copilot = "copilot"
	Kimi    = "kimi-coding"
	// Gemini is Gemini CLI's Code Assist; Antigravity speaks the same API with its own envelope fields.
	Gemini      = "gemini-cli"
	Antigravity = "antigravity"
	Kiro        = "kiro"
)

// ResponsesOnlyModel is the model the mock Copilot serves only on /responses (it refuses it on
// /chat/completions the way Copilot does).
const ResponsesOnlyModel = "gpt-5.4-pro"

// DeviceMode chooses how the device flow answers polls.
type DeviceMode string

const (
	DeviceApprove  DeviceMode = "approve"   // pending until Approve is called (or at once with AutoApprove)
	DeviceSlowDown DeviceMode = "slow_down" // one slow_down, then as approve
	DeviceDeny     DeviceMode = "deny"      // access_denied at the first poll
	DeviceExpire   DeviceMode = "expire"    // expired_token at the first poll
)

type tokenInfo struct {
	vendor string
	expiry time.Time
}

type codeGrant struct {
	vendor, challenge, redirect, state string
}

type device struct {
	userCode string
	approved bool
	polls    int
}

// Mock is the fake vendor set. Create it with New; its fields may be set before use.
type Mock struct {
	Server *httptest.Server

	// AccessTTL is the lifetime of issued access tokens (default one hour).
	AccessTTL time.Duration
	// Device is the device flow's behaviour; AutoApprove approves every device code at its first poll.
	Device      DeviceMode
	AutoApprove bool
	// BeforeRefresh, when set, runs inside every refresh_token grant before it is processed (kill -9 tests block
	// here); false drops the request unprocessed, as a vendor does when the client is gone before it answers.
	BeforeRefresh func(vendor string) bool
	// Email is the account every vendor reports.
	Email string
	// OnboardPending is how many times Code Assist's onboardUser answers "not done yet" before it finishes.
	OnboardPending int

	mu        sync.Mutex
	codes     map[string]codeGrant
	access    map[string]tokenInfo
	refresh   map[string]string // valid refresh token → vendor
	devices   map[string]*device
	calls     map[string]int // token endpoint calls per vendor and grant: "claude/refresh_token"
	headers   map[string]http.Header
	bodies    map[string][]byte
	revoked   map[string]bool
	limited   map[string]int         // vendor → seconds until reset: the API answers 429 with a reset hint
	quotas    map[string]quotaAnswer // quota.go
	rateHdrs  map[string]http.Header // quota.go: live rate-limit headers on API answers
	copilotOK bool
	onboarded map[string]int    // Google vendor → onboardUser calls so far (≥ OnboardPending+1: onboarded)
	clients   map[string]string // Kiro: registered OIDC client id → secret
	// KiroFault damages Kiro's event stream: "crc" flips a payload byte (the message CRC no longer matches),
	// "exception" answers with a ThrottlingException frame.
	KiroFault string
}

// New starts the mock on a loopback port.
func New() *Mock {
	m := &Mock{AccessTTL: time.Hour, Device: DeviceApprove, Email: "user@example.com", codes: map[string]codeGrant{},
		access: map[string]tokenInfo{}, refresh: map[string]string{}, devices: map[string]*device{}, calls: map[string]int{},
		headers: map[string]http.Header{}, bodies: map[string][]byte{}, revoked: map[string]bool{}, limited: map[string]int{},
		copilotOK: true, onboarded: map[string]int{}, clients: map[string]string{}}
	m.Server = httptest.NewServer(m)
	return m
}

// Close stops the server.
func (m *Mock) Close() { m.Server.Close() }

// URL is the mock's base URL.
func (m *Mock) URL() string { return m.Server.URL }

// Endpoints is the NINEROUTER_ENDPOINTS map pointing every provider at the mock. redirectPort replaces the
// Codex callback port (its real one is the fixed 1455); 0 lets the OS pick.
func (m *Mock) Endpoints(codexRedirectPort int) map[string]map[string]string {
	b := m.URL()
	return map[string]map[string]string{
		"claude": {"authorize": b + "/claude/authorize", "token": b + "/claude/token", "api": b + "/claude/v1",
			"manual_redirect": b + "/claude/code-page", "quota": b + "/claude/usage"},
		"codex": {"authorize": b + "/codex/authorize", "token": b + "/codex/token", "api": b + "/codex/api",
			"redirect": fmt.Sprintf("http://localhost:%d/auth/callback", codexRedirectPort), "quota": b + "/codex/usage"},
		"kimi-coding": {"device": b + "/kimi-coding/device/code", "token": b + "/kimi-coding/token", "api": b + "/kimi-coding/coding/v1",
			"quota": b + "/kimi-coding/usages"},
		Gemini: {"authorize": b + "/gemini-cli/authorize", "token": b + "/gemini-cli/token", "userinfo": b + "/gemini-cli/userinfo",
			"manual_redirect": b + "/gemini-cli/code-page", "api": b + "/gemini-cli/api"},
		Antigravity: {"authorize": b + "/antigravity/authorize", "token": b + "/antigravity/token", "userinfo": b + "/antigravity/userinfo",
			"api": b + "/antigravity/api"},
		Kiro: {"oidc": b + "/kiro/oidc", "start_url": b + "/kiro/start", "social_refresh": b + "/kiro/social/refreshToken",
			"api": b + "/kiro/api", "quota": b + "/kiro/api/getUsageLimits"},
		"github": {"device": b + "/github/device/code", "token": b + "/github/token", "userinfo": b + "/github/user",
			"copilot_token": b + "/github/copilot_token", "api": b + "/copilot", "quota": b + "/github/copilot_user"},
	}
}

// EndpointsJSON is Endpoints as the file NINEROUTER_ENDPOINTS names.
func (m *Mock) EndpointsJSON(codexRedirectPort int) []byte {
	b, _ := json.Marshal(m.Endpoints(codexRedirectPort))
	return b
}

// TokenCalls counts token-endpoint calls of vendor with grant ("refresh_token", "authorization_code", "device").
func (m *Mock) TokenCalls(vendor, grant string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[vendor+"/"+grant]
}

// LastRequest is the last API request's headers and body seen by vendor.
func (m *Mock) LastRequest(vendor string) (http.Header, []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.headers[vendor], m.bodies[vendor]
}

// Revoke makes every refresh token of vendor answer invalid_grant, and its access tokens 401.
func (m *Mock) Revoke(vendor string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revoked[vendor] = true
	for t, v := range m.refresh {
		if v == vendor {
			delete(m.refresh, t)
		}
	}
	for t, i := range m.access {
		if i.vendor == vendor {
			delete(m.access, t)
		}
	}
}

// ExpireAccess makes every access token of vendor expired now (the next API call answers 401).
func (m *Mock) ExpireAccess(vendor string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for t, i := range m.access {
		if i.vendor == vendor {
			i.expiry = time.Now().Add(-time.Second)
			m.access[t] = i
		}
	}
}

// Limit makes vendor's API answer 429 with a reset in secs seconds (0 lifts it).
func (m *Mock) Limit(vendor string, secs int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limited[vendor] = secs
}

// ValidRefresh reports whether tok is a currently valid refresh token.
func (m *Mock) ValidRefresh(tok string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.refresh[tok]
	return ok
}

// Approve approves a device code by its user code.
func (m *Mock) Approve(userCode string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.devices {
		if d.userCode == userCode {
			d.approved = true
			return true
		}
	}
	return false
}

func random(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + "-" + Canary + "-" + hex.EncodeToString(b)
}

// issue makes a token pair for vendor; the caller holds m.mu.
func (m *Mock) issue(vendor string) map[string]any {
	delete(m.revoked, vendor) // a new grant: the revocation was of the old tokens
	at, rt := random(vendor+"-at"), random(vendor+"-rt")
	m.access[at] = tokenInfo{vendor: vendor, expiry: time.Now().Add(m.AccessTTL)}
	m.refresh[rt] = vendor
	out := map[string]any{"access_token": at, "refresh_token": rt, "token_type": "bearer",
		"expires_in": int(m.AccessTTL / time.Second)}
	switch vendor {
	case Claude:
		out["account"] = map[string]any{"uuid": "acct-claude-1", "email_address": m.Email}
		out["organization"] = map[string]any{"uuid": "org-1", "name": "Example Org"}
	case Codex:
		out["id_token"] = fakeJWT(map[string]any{"email": m.Email, "exp": time.Now().Add(m.AccessTTL).Unix(),
			"https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-codex-1", "chatgpt_plan_type": "plus"}})
	}
	return out
}

func fakeJWT(claims map[string]any) string {
	h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	b, _ := json.Marshal(claims)
	return h + "." + base64.RawURLEncoding.EncodeToString(b) + ".sig"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// ServeHTTP routes by path.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	vendor, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case vendor == "_control": // the browser tests' handle on the mock (cmd/mockvendor)
		m.control(w, r, rest)
	case vendor == Kiro:
		m.kiro(w, r, rest)
	case rest == "authorize":
		m.authorize(w, r, vendor)
	case rest == "code-page":
		fmt.Fprintf(w, "%s#%s", r.URL.Query().Get("code"), r.URL.Query().Get("state"))
	case rest == "token":
		m.token(w, r, vendor)
	case rest == "device/code":
		m.deviceCode(w, r)
	case vendor == GitHub && rest == "user":
		if _, ok := m.authed(r, GitHub, "token "); !ok {
			oauthError(w, 401, "bad_credentials", "Bad credentials")
			return
		}
		writeJSON(w, 200, map[string]any{"login": "octo", "id": 1, "email": m.Email})
	case vendor == GitHub && rest == "copilot_token":
		m.copilotToken(w, r)
	case isQuotaPath(vendor, rest):
		m.quota(w, r, vendor)
	case google(vendor):
		m.google(w, r, vendor, rest)
	default:
		m.api(w, r, vendor, rest)
	}
}

// control serves POST /_control/{revoke,expire}?vendor=V, and POST /_control/quota?vendor=V&status=N whose body
// becomes V's quota answer (quota.go).
func (m *Mock) control(w http.ResponseWriter, r *http.Request, action string) {
	vendor := r.URL.Query().Get("vendor")
	if r.Method != http.MethodPost || vendor == "" {
		http.Error(w, "POST /_control/{revoke,expire}?vendor=V", http.StatusBadRequest)
		return
	}
	switch action {
	case "revoke":
		m.Revoke(vendor)
	case "expire":
		m.ExpireAccess(vendor)
	case "quota":
		status, err := strconv.Atoi(r.URL.Query().Get("status"))
		if err != nil {
			status = http.StatusOK
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		m.SetQuota(vendor, status, r.Header.Get("Content-Type"), string(body))
	default:
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// authorize approves at once and redirects back with code and state.
func (m *Mock) authorize(w http.ResponseWriter, r *http.Request, vendor string) {
	q := r.URL.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("redirect_uri") == "" {
		http.Error(w, "PKCE S256, state and redirect_uri are required", http.StatusBadRequest)
		return
	}
	code := random(vendor + "-code")
	m.mu.Lock()
	m.codes[code] = codeGrant{vendor: vendor, challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), state: q.Get("state")}
	m.mu.Unlock()
	u, _ := url.Parse(q.Get("redirect_uri"))
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// tokenParams reads a token request as JSON (Anthropic) or form.
func tokenParams(r *http.Request) map[string]string {
	out := map[string]string{}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &out)
		return out
	}
	v, _ := url.ParseQuery(string(body))
	for k := range v {
		out[k] = v.Get(k)
	}
	return out
}

func (m *Mock) token(w http.ResponseWriter, r *http.Request, vendor string) {
	p := tokenParams(r)
	grant := p["grant_type"]
	if google(vendor) && (p["client_id"] == "" || p["client_secret"] == "") {
		oauthError(w, 400, "invalid_request", "client_secret is missing.") // Google's installed-app clients send it
		return
	}
	key := grant
	if grant == "urn:ietf:params:oauth:grant-type:device_code" {
		key = "device"
	}
	m.mu.Lock()
	m.calls[vendor+"/"+key]++
	m.mu.Unlock()
	switch grant {
	case "authorization_code":
		m.mu.Lock()
		cg, ok := m.codes[p["code"]]
		delete(m.codes, p["code"])
		m.mu.Unlock()
		sum := sha256.Sum256([]byte(p["code_verifier"]))
		switch {
		case !ok || cg.vendor != vendor:
			oauthError(w, 400, "invalid_grant", "Invalid authorization code")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != cg.challenge:
			oauthError(w, 400, "invalid_grant", "PKCE verification failed")
		case cg.redirect != p["redirect_uri"]:
			oauthError(w, 400, "invalid_grant", "redirect_uri mismatch")
		default:
			m.mu.Lock()
			out := m.issue(vendor)
			m.mu.Unlock()
			writeJSON(w, 200, out)
		}
	case "refresh_token":
		if m.BeforeRefresh != nil && !m.BeforeRefresh(vendor) {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
			return
		}
		m.mu.Lock()
		v, ok := m.refresh[p["refresh_token"]]
		if !ok || v != vendor || m.revoked[vendor] {
			m.mu.Unlock()
			oauthError(w, 400, "invalid_grant", "Refresh token is invalid, expired or revoked")
			return
		}
		var out map[string]any
		if google(vendor) {
			out = m.issueAccess(vendor) // Google keeps the refresh token: no rotation
		} else {
			delete(m.refresh, p["refresh_token"]) // rotation: the old refresh token is spent
			out = m.issue(vendor)
		}
		m.mu.Unlock()
		writeJSON(w, 200, out)
	case "urn:ietf:params:oauth:grant-type:device_code":
		m.devicePoll(w, p["device_code"], vendor)
	default:
		oauthError(w, 400, "unsupported_grant_type", grant)
	}
}

func (m *Mock) deviceCode(w http.ResponseWriter, r *http.Request) {
	dc, uc := random("dev"), fmt.Sprintf("ABCD-%04d", len(m.devices)+1)
	m.mu.Lock()
	m.devices[dc] = &device{userCode: uc}
	m.mu.Unlock()
	writeJSON(w, 200, map[string]any{"device_code": dc, "user_code": uc, "verification_uri": m.URL() + "/github/login/device",
		"expires_in": 900, "interval": 1})
}

func (m *Mock) devicePoll(w http.ResponseWriter, code, vendor string) {
	m.mu.Lock()
	d, ok := m.devices[code]
	if !ok {
		m.mu.Unlock()
		oauthError(w, 400, "invalid_grant", "unknown device code")
		return
	}
	d.polls++
	mode, polls := m.Device, d.polls
	if m.AutoApprove {
		d.approved = true
	}
	approved := d.approved
	m.mu.Unlock()
	// GitHub answers device polls with HTTP 200 and an error field.
	switch {
	case mode == DeviceDeny:
		writeJSON(w, 200, map[string]string{"error": "access_denied", "error_description": "The user has denied your application access."})
	case mode == DeviceExpire:
		writeJSON(w, 200, map[string]string{"error": "expired_token", "error_description": "The device code has expired."})
	case mode == DeviceSlowDown && polls == 1:
		writeJSON(w, 200, map[string]any{"error": "slow_down", "interval": 6})
	case !approved:
		writeJSON(w, 200, map[string]string{"error": "authorization_pending"})
	default:
		m.mu.Lock()
		delete(m.devices, code)
		out := m.issue(vendor)
		m.mu.Unlock()
		writeJSON(w, 200, out)
	}
}

// authed checks the Authorization header: ok=false means unknown or expired (the vendor answers 401).
func (m *Mock) authed(r *http.Request, vendor, scheme string) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), scheme)
	if !ok {
		return "", false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ti, ok := m.access[tok]
	return tok, ok && ti.vendor == vendor && time.Now().Before(ti.expiry)
}

func (m *Mock) copilotToken(w http.ResponseWriter, r *http.Request) {
	if _, ok := m.authed(r, GitHub, "token "); !ok {
		oauthError(w, 401, "bad_credentials", "Bad credentials")
		return
	}
	ct := random("copilot")
	exp := time.Now().Add(30 * time.Minute)
	m.mu.Lock()
	m.access[ct] = tokenInfo{vendor: Copilot, expiry: exp}
	m.calls[GitHub+"/mint"]++
	m.mu.Unlock()
	writeJSON(w, 200, map[string]any{"token": ct, "expires_at": exp.Unix(), "refresh_in": 1500,
		"endpoints": map[string]string{"api": m.URL() + "/copilot"}})
}

// api serves the vendors' model APIs: auth check, 429 when limited, then a tiny answer in the vendor's wire.
func (m *Mock) api(w http.ResponseWriter, r *http.Request, vendor, rest string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	m.mu.Lock()
	m.headers[vendor], m.bodies[vendor] = r.Header.Clone(), body
	limit := m.limited[vendor]
	m.mu.Unlock()
	if _, ok := m.authed(r, vendor, "Bearer "); !ok {
		writeJSON(w, 401, map[string]any{"type": "error", "error": map[string]string{"type": "authentication_error", "message": "invalid or expired token"}})
		return
	}
	m.addRateHeaders(w, vendor)
	if limit > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(limit))
		writeJSON(w, 429, map[string]any{"error": map[string]any{"type": "usage_limit_reached",
			"message": "The usage limit has been reached", "resets_in_seconds": limit}})
		return
	}
	var req struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case (vendor == Claude || vendor == Kimi) && strings.HasSuffix(rest, "/messages"):
		claudeAnswer(w, vendor, req.Model, req.Stream)
	case vendor == Codex && rest == "api/responses":
		if !req.Stream {
			writeJSON(w, 400, map[string]any{"detail": "Stream must be set to true"})
			return
		}
		codexStream(w, req.Model)
	case vendor == Copilot && rest == "chat/completions" && req.Model == ResponsesOnlyModel:
		writeJSON(w, 400, map[string]any{"error": map[string]any{"code": "unsupported_api_for_model",
			"message": fmt.Sprintf("model %q is not accessible via the /chat/completions endpoint", req.Model)}})
	case vendor == Copilot && rest == "chat/completions":
		chatAnswer(w, req.Model, req.Stream)
	case vendor == Copilot && rest == "responses" && !req.Stream:
		writeJSON(w, 200, map[string]any{"id": "resp_1", "object": "response", "model": req.Model, "status": "completed",
			"output": []map[string]any{{"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
				"content": []map[string]any{{"type": "output_text", "text": "hello from mock codex", "annotations": []any{}}}}},
			"usage": map[string]int{"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}})
	case vendor == Copilot && rest == "responses":
		codexStream(w, req.Model)
	default:
		http.NotFound(w, r)
	}
}

func claudeAnswer(w http.ResponseWriter, vendor, model string, stream bool) {
	text := "hello from mock " + vendor
	if !stream {
		writeJSON(w, 200, map[string]any{"id": "msg_1", "type": "message", "role": "assistant", "model": model,
			"content": []map[string]any{{"type": "text", "text": text}}, "stop_reason": "end_turn",
			"usage": map[string]int{"input_tokens": 3, "output_tokens": 4}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	ev := func(name, data string) { fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data) }
	ev("message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"`+model+`","content":[],"usage":{"input_tokens":3,"output_tokens":0}}}`)
	ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`+text+`"}}`)
	ev("content_block_stop", `{"type":"content_block_stop","index":0}`)
	ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}`)
	ev("message_stop", `{"type":"message_stop"}`)
}

func codexStream(w http.ResponseWriter, model string) {
	w.Header().Set("Content-Type", "text/event-stream")
	ev := func(name, data string) { fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data) }
	resp := `{"id":"resp_1","object":"response","model":"` + model + `","status":"in_progress","output":[]}`
	ev("response.created", `{"type":"response.created","response":`+resp+`}`)
	ev("response.output_item.added", `{"type":"response.output_item.added","output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","status":"in_progress","content":[]}}`)
	ev("response.content_part.added", `{"type":"response.content_part.added","item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":""}}`)
	ev("response.output_text.delta", `{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"hello from mock codex"}`)
	ev("response.output_text.done", `{"type":"response.output_text.done","item_id":"msg_1","output_index":0,"content_index":0,"text":"hello from mock codex"}`)
	ev("response.content_part.done", `{"type":"response.content_part.done","item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"hello from mock codex"}}`)
	item := `{"id":"msg_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text","text":"hello from mock codex"}]}`
	ev("response.output_item.done", `{"type":"response.output_item.done","output_index":0,"item":`+item+`}`)
	ev("response.completed", `{"type":"response.completed","response":{"id":"resp_1","object":"response","model":"`+model+`","status":"completed","output":[`+item+`],"usage":{"input_tokens":3,"output_tokens":4,"total_tokens":7}}}`)
}

func chatAnswer(w http.ResponseWriter, model string, stream bool) {
	if !stream {
		writeJSON(w, 200, map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": model,
			"choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": "hello from mock copilot"}, "finish_reason": "stop"}},
			"usage":   map[string]int{"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprintf(w, "data: %s\n\n", `{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"`+model+`","choices":[{"index":0,"delta":{"role":"assistant","content":"hello from mock copilot"}}]}`)
	fmt.Fprintf(w, "data: %s\n\n", `{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"`+model+`","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`)
	fmt.Fprint(w, "data: [DONE]\n\n")
}
