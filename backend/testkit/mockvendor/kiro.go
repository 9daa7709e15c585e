package mockvendor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// Kiro as NineRouter sees it: AWS SSO OIDC (client registration, device authorization, a camelCase token
// endpoint whose errors are RFC 8628 codes with HTTP 400), Kiro's social-login refresh endpoint, and the
// CodeWhisperer generateAssistantResponse API answering in binary AWS EventStream frames. A request whose
// conversationState breaks Kiro's rules is refused with its "Improperly formed request." answer.

// KiroRefreshPrefix starts every Kiro refresh token, as the real ones do.
const KiroRefreshPrefix = "aorAAAAAG"

func (m *Mock) kiroIssue() map[string]any {
	delete(m.revoked, Kiro) // a new grant: the revocation was of the old tokens
	at, rt := random("kiro-at"), KiroRefreshPrefix+random("kiro-rt")
	m.access[at] = tokenInfo{vendor: Kiro, expiry: time.Now().Add(m.AccessTTL)}
	m.refresh[rt] = Kiro
	return map[string]any{"accessToken": at, "refreshToken": rt, "expiresIn": int(m.AccessTTL / time.Second), "tokenType": "Bearer"}
}

// KiroRefreshToken adds a valid refresh token (an import test's Kiro IDE login).
func (m *Mock) KiroRefreshToken() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kiroIssue()["refreshToken"].(string)
}

// KiroClient registers an OIDC client (an import test's IDE registration).
func (m *Mock) KiroClient() (id, secret string) {
	id, secret = random("kiro-client"), random("kiro-secret")
	m.mu.Lock()
	m.clients[id] = secret
	m.mu.Unlock()
	return id, secret
}

func awsError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

func (m *Mock) kiro(w http.ResponseWriter, r *http.Request, rest string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	var p map[string]any
	_ = json.Unmarshal(body, &p)
	str := func(k string) string { s, _ := p[k].(string); return s }
	clientOK := func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		sec, ok := m.clients[str("clientId")]
		return ok && sec == str("clientSecret")
	}
	switch rest {
	case "oidc/client/register":
		if str("clientType") != "public" || str("clientName") == "" || p["scopes"] == nil {
			awsError(w, 400, "invalid_client_metadata", "clientName, clientType public and scopes are required")
			return
		}
		id, secret := m.KiroClient()
		writeJSON(w, 200, map[string]any{"clientId": id, "clientSecret": secret, "clientIdIssuedAt": time.Now().Unix(),
			"clientSecretExpiresAt": time.Now().Add(90 * 24 * time.Hour).Unix()})
	case "oidc/device_authorization":
		if !clientOK() || str("startUrl") == "" {
			awsError(w, 400, "invalid_client", "unknown client or no startUrl")
			return
		}
		dc, uc := random("kiro-dev"), fmt.Sprintf("KIRO-%04d", len(m.devices)+1)
		m.mu.Lock()
		m.devices[dc] = &device{userCode: uc}
		m.mu.Unlock()
		writeJSON(w, 200, map[string]any{"deviceCode": dc, "userCode": uc, "verificationUri": m.URL() + "/kiro/device",
			"verificationUriComplete": m.URL() + "/kiro/device?user_code=" + uc, "expiresIn": 600, "interval": 1})
	case "oidc/token":
		m.kiroToken(w, p, str, clientOK)
	case "social/refreshToken":
		m.mu.Lock()
		m.calls[Kiro+"/refresh_token"]++
		v, ok := m.refresh[str("refreshToken")]
		if !ok || v != Kiro || m.revoked[Kiro] {
			m.mu.Unlock()
			writeJSON(w, 401, map[string]any{"message": "Invalid refresh token"})
			return
		}
		delete(m.refresh, str("refreshToken"))
		out := m.kiroIssue()
		m.mu.Unlock()
		out["profileArn"] = "arn:aws:codewhisperer:us-east-1:000000000000:profile/MOCK"
		writeJSON(w, 200, out)
	case "api/getUsageLimits":
		if _, ok := m.authed(r, Kiro, "Bearer "); !ok {
			writeJSON(w, 403, map[string]any{"message": "The bearer token included in the request is invalid."})
			return
		}
		writeJSON(w, 200, map[string]any{"userInfo": map[string]any{"email": m.Email, "userId": "kiro-user-1"},
			"subscriptionInfo": map[string]any{"subscriptionTitle": "KIRO FREE"}, "nextDateReset": time.Now().Add(24 * time.Hour).Unix(),
			"usageBreakdownList": []map[string]any{{"resourceType": "AGENTIC_REQUEST", "currentUsageWithPrecision": 3, "usageLimitWithPrecision": 50}}})
	case "api/generateAssistantResponse":
		m.kiroGenerate(w, r, body)
	default:
		http.NotFound(w, r)
	}
}

func (m *Mock) kiroToken(w http.ResponseWriter, p map[string]any, str func(string) string, clientOK func() bool) {
	if !clientOK() {
		awsError(w, 401, "invalid_client", "Client authentication failed")
		return
	}
	switch str("grantType") {
	case "urn:ietf:params:oauth:grant-type:device_code":
		m.mu.Lock()
		m.calls[Kiro+"/device"]++
		d, ok := m.devices[str("deviceCode")]
		if !ok {
			m.mu.Unlock()
			awsError(w, 400, "invalid_grant", "unknown device code")
			return
		}
		d.polls++
		if m.AutoApprove {
			d.approved = true
		}
		mode, polls, approved := m.Device, d.polls, d.approved
		m.mu.Unlock()
		switch {
		case mode == DeviceDeny:
			awsError(w, 400, "access_denied", "The user denied the authorization request.")
		case mode == DeviceExpire:
			awsError(w, 400, "expired_token", "The device code has expired.")
		case mode == DeviceSlowDown && polls == 1:
			awsError(w, 400, "slow_down", "Client is polling too fast.")
		case !approved:
			awsError(w, 400, "authorization_pending", "Authorization is pending.")
		default:
			m.mu.Lock()
			delete(m.devices, str("deviceCode"))
			out := m.kiroIssue()
			m.mu.Unlock()
			writeJSON(w, 200, out)
		}
	case "refresh_token":
		m.mu.Lock()
		m.calls[Kiro+"/refresh_token"]++
		v, ok := m.refresh[str("refreshToken")]
		if !ok || v != Kiro || m.revoked[Kiro] {
			m.mu.Unlock()
			awsError(w, 400, "invalid_grant", "Invalid refresh token provided")
			return
		}
		delete(m.refresh, str("refreshToken"))
		out := m.kiroIssue()
		m.mu.Unlock()
		writeJSON(w, 200, out)
	default:
		awsError(w, 400, "unsupported_grant_type", str("grantType"))
	}
}

// kiroMalformed is Kiro's answer to a conversationState it cannot use.
func kiroMalformed(w http.ResponseWriter, why string) {
	w.Header().Set("x-amzn-errortype", "ValidationException")
	writeJSON(w, 400, map[string]any{"message": "Improperly formed request.", "reason": why})
}

func (m *Mock) kiroGenerate(w http.ResponseWriter, r *http.Request, body []byte) {
	m.mu.Lock()
	m.headers[Kiro], m.bodies[Kiro] = r.Header.Clone(), body
	limit, fault := m.limited[Kiro], m.KiroFault
	m.mu.Unlock()
	if _, ok := m.authed(r, Kiro, "Bearer "); !ok {
		writeJSON(w, 403, map[string]any{"message": "The bearer token included in the request is invalid."})
		return
	}
	if r.Header.Get("X-Amz-Target") != "AmazonCodeWhispererStreamingService.GenerateAssistantResponse" {
		writeJSON(w, 400, map[string]any{"message": "unknown operation"})
		return
	}
	if limit > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(limit))
		writeJSON(w, 429, map[string]any{"message": "Rate exceeded", "reason": "usage_limit_reached"})
		return
	}
	type userMsg struct {
		Content string `json:"content"`
		ModelID string `json:"modelId"`
		Origin  string `json:"origin"`
		Context struct {
			Tools []struct {
				Spec struct {
					Name string `json:"name"`
				} `json:"toolSpecification"`
			} `json:"tools"`
		} `json:"userInputMessageContext"`
	}
	var req struct {
		State struct {
			Trigger string `json:"chatTriggerType"`
			ConvID  string `json:"conversationId"`
			Current struct {
				User *userMsg `json:"userInputMessage"`
			} `json:"currentMessage"`
			History []struct {
				User      *userMsg        `json:"userInputMessage"`
				Assistant json.RawMessage `json:"assistantResponseMessage"`
			} `json:"history"`
		} `json:"conversationState"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		kiroMalformed(w, "body is not JSON")
		return
	}
	cur := req.State.Current.User
	switch {
	case req.State.Trigger != "MANUAL" || req.State.ConvID == "":
		kiroMalformed(w, "chatTriggerType and conversationId are required")
		return
	case cur == nil || cur.Content == "" || cur.ModelID == "" || cur.Origin != "AI_EDITOR":
		kiroMalformed(w, "currentMessage.userInputMessage needs content, modelId and origin")
		return
	}
	for i, h := range req.State.History {
		if wantUser := i%2 == 0; (h.User != nil) != wantUser || (h.Assistant != nil) == wantUser || (h.User != nil && h.User.Content == "") {
			kiroMalformed(w, fmt.Sprintf("history[%d] breaks the user/assistant alternation", i))
			return
		}
	}
	if n := len(req.State.History); n > 0 && req.State.History[n-1].User != nil {
		kiroMalformed(w, "the history must end with an assistant message")
		return
	}
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	enc := eventstream.NewEncoder()
	frame := func(msgType, evType string, payload any) {
		var h eventstream.Headers
		h.Set(":message-type", eventstream.StringValue(msgType))
		if msgType == "exception" {
			h.Set(":exception-type", eventstream.StringValue(evType))
		} else {
			h.Set(":event-type", eventstream.StringValue(evType))
		}
		h.Set(":content-type", eventstream.StringValue("application/json"))
		b, _ := json.Marshal(payload)
		var buf bytes.Buffer
		_ = enc.Encode(&buf, eventstream.Message{Headers: h, Payload: b})
		raw := buf.Bytes()
		if fault == "crc" {
			raw[len(raw)-6] ^= 0xff // inside the payload: the message CRC no longer matches
		}
		_, _ = w.Write(raw)
	}
	if fault == "exception" {
		frame("exception", "ThrottlingException", map[string]string{"message": "Too many requests, please wait before trying again."})
		return
	}
	for _, part := range []string{"hello from ", "mock kiro"} {
		frame("event", "assistantResponseEvent", map[string]string{"content": part})
	}
	if tools := cur.Context.Tools; len(tools) > 0 && strings.Contains(cur.Content, "use the tool") {
		id := "tooluse_" + random("t")[:8]
		frame("event", "toolUseEvent", map[string]any{"name": tools[0].Spec.Name, "toolUseId": id, "input": `{"city":`})
		frame("event", "toolUseEvent", map[string]any{"name": tools[0].Spec.Name, "toolUseId": id, "input": `"Paris"}`})
		frame("event", "toolUseEvent", map[string]any{"name": tools[0].Spec.Name, "toolUseId": id, "stop": true})
	}
	frame("event", "meteringEvent", map[string]any{"unit": "credit", "unitPlural": "credits", "usage": 0.01})
	frame("event", "contextUsageEvent", map[string]any{"contextUsagePercentage": 1.5})
}
