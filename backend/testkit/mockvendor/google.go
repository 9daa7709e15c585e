package mockvendor

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The Google Code Assist API (cloudcode-pa.googleapis.com/v1internal) as Gemini CLI and Antigravity use it:
// loadCodeAssist names the project of an onboarded account; onboardUser is a long-running operation that
// onboards the account to its default (free) tier; generateContent / streamGenerateContent take the envelope
// {model, project, request} and wrap each answer in {"response": …}. A bare Gemini body is refused the way
// Google refuses unknown fields.

var antigravityName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$`)

func google(vendor string) bool { return vendor == Gemini || vendor == Antigravity }

// Project is the Code Assist project the mock onboards a vendor's account to.
func Project(vendor string) string { return "mock-project-" + vendor }

// issueAccess makes an access token only (Google's refresh answer); the caller holds m.mu.
func (m *Mock) issueAccess(vendor string) map[string]any {
	at := random(vendor + "-at")
	m.access[at] = tokenInfo{vendor: vendor, expiry: time.Now().Add(m.AccessTTL)}
	return map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(m.AccessTTL / time.Second),
		"scope": "https://www.googleapis.com/auth/cloud-platform"}
}

func googleError(w http.ResponseWriter, code int, status, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
}

func (m *Mock) google(w http.ResponseWriter, r *http.Request, vendor, rest string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if _, ok := m.authed(r, vendor, "Bearer "); !ok {
		googleError(w, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.")
		return
	}
	m.mu.Lock()
	onboarded := m.onboarded[vendor] > m.OnboardPending
	m.mu.Unlock()
	switch rest {
	case "userinfo":
		writeJSON(w, 200, map[string]any{"id": "1077", "email": m.Email, "verified_email": true})
	case "api/v1internal:loadCodeAssist":
		var req struct {
			Metadata map[string]any `json:"metadata"`
		}
		if json.Unmarshal(body, &req) != nil || req.Metadata == nil {
			googleError(w, 400, "INVALID_ARGUMENT", "metadata is required")
			return
		}
		tiers := []map[string]any{{"id": "free-tier", "name": "Gemini Code Assist for individuals", "isDefault": true,
			"userDefinedCloudaicompanionProject": false}, {"id": "standard-tier", "name": "Gemini Code Assist",
			"userDefinedCloudaicompanionProject": true}}
		if !onboarded {
			writeJSON(w, 200, map[string]any{"allowedTiers": tiers})
			return
		}
		writeJSON(w, 200, map[string]any{"currentTier": tiers[0], "allowedTiers": tiers, "cloudaicompanionProject": Project(vendor)})
	case "api/v1internal:onboardUser":
		var req struct {
			TierID string `json:"tierId"`
		}
		if json.Unmarshal(body, &req) != nil || req.TierID != "free-tier" {
			googleError(w, 400, "INVALID_ARGUMENT", "tierId must name an allowed tier")
			return
		}
		m.mu.Lock()
		m.onboarded[vendor]++
		done := m.onboarded[vendor] > m.OnboardPending
		m.mu.Unlock()
		op := map[string]any{"name": "operations/onboard-" + vendor, "done": done}
		if done {
			op["response"] = map[string]any{"@type": "type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse",
				"cloudaicompanionProject": map[string]any{"id": Project(vendor), "name": Project(vendor)}}
		}
		writeJSON(w, 200, op)
	case "api/v1internal:generateContent", "api/v1internal:streamGenerateContent", "api/v1internal:countTokens":
		m.mu.Lock()
		m.headers[vendor], m.bodies[vendor] = r.Header.Clone(), body
		limit := m.limited[vendor]
		m.mu.Unlock()
		if limit > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(limit))
			googleError(w, 429, "RESOURCE_EXHAUSTED", "You have exhausted your capacity on this model. Your quota will reset after "+strconv.Itoa(limit)+"s.")
			return
		}
		m.codeAssist(w, r, vendor, rest, body)
	default:
		googleError(w, 404, "NOT_FOUND", "no such method "+rest)
	}
}

func (m *Mock) codeAssist(w http.ResponseWriter, r *http.Request, vendor, rest string, body []byte) {
	var env map[string]json.RawMessage
	if json.Unmarshal(body, &env) != nil {
		googleError(w, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return
	}
	allowed := map[string]bool{"model": true, "project": true, "request": true, "user_prompt_id": true}
	if vendor == Antigravity {
		allowed["requestType"], allowed["requestId"], allowed["userAgent"] = true, true, true
	}
	for k := range env {
		if !allowed[k] {
			googleError(w, 400, "INVALID_ARGUMENT", fmt.Sprintf("Invalid JSON payload received. Unknown name %q: Cannot find field.", k))
			return
		}
	}
	if rest == "api/v1internal:countTokens" {
		var req struct {
			Request struct {
				Model    string            `json:"model"`
				Contents []json.RawMessage `json:"contents"`
			} `json:"request"`
		}
		if json.Unmarshal(body, &req) != nil || !strings.HasPrefix(req.Request.Model, "models/") {
			googleError(w, 400, "INVALID_ARGUMENT", "request.model must be models/…")
			return
		}
		writeJSON(w, 200, map[string]any{"totalTokens": 3 * len(req.Request.Contents)})
		return
	}
	var req struct {
		Model   string `json:"model"`
		Project string `json:"project"`
		Request struct {
			Contents []struct {
				Parts []struct {
					Text string `json:"text"`
				} `json:"parts"`
			} `json:"contents"`
			Tools []struct {
				Functions []struct {
					Name string `json:"name"`
				} `json:"functionDeclarations"`
			} `json:"tools"`
			Generation struct {
				MaxOutputTokens int `json:"maxOutputTokens"`
			} `json:"generationConfig"`
		} `json:"request"`
		RequestType string `json:"requestType"`
	}
	_ = json.Unmarshal(body, &req)
	if vendor == Antigravity {
		// Antigravity's limits: one tool group, names in its alphabet, output at most 16384 tokens.
		if len(req.Request.Tools) > 1 || req.Request.Generation.MaxOutputTokens > 16384 {
			googleError(w, 400, "INVALID_ARGUMENT", "at most one tool group and 16384 output tokens")
			return
		}
		for _, t := range req.Request.Tools {
			for _, f := range t.Functions {
				if !antigravityName.MatchString(f.Name) {
					googleError(w, 400, "INVALID_ARGUMENT", fmt.Sprintf("Invalid function name %q", f.Name))
					return
				}
			}
		}
	}
	switch {
	case req.Model == "" || len(req.Request.Contents) == 0:
		googleError(w, 400, "INVALID_ARGUMENT", "model and request.contents are required")
		return
	case req.Project != Project(vendor):
		googleError(w, 403, "PERMISSION_DENIED", fmt.Sprintf("Permission denied on resource project %s.", req.Project))
		return
	case vendor == Antigravity && req.RequestType != "agent":
		googleError(w, 400, "INVALID_ARGUMENT", "requestType must be agent")
		return
	}
	text := "hello from mock " + vendor
	last := req.Request.Contents[len(req.Request.Contents)-1]
	if len(req.Request.Tools) > 0 && len(req.Request.Tools[0].Functions) > 0 && len(last.Parts) > 0 &&
		strings.Contains(last.Parts[0].Text, "use the tool") {
		call := map[string]any{"response": map[string]any{"candidates": []map[string]any{{"content": map[string]any{"role": "model",
			"parts": []map[string]any{{"functionCall": map[string]any{"name": req.Request.Tools[0].Functions[0].Name,
				"args": map[string]any{"city": "Paris"}}}}}, "finishReason": "STOP"}},
			"usageMetadata": map[string]int{"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7}}}
		if rest == "api/v1internal:generateContent" {
			writeJSON(w, 200, call)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		b, _ := json.Marshal(call)
		fmt.Fprintf(w, "data: %s\r\n\r\n", b)
		return
	}
	chunk := func(t string, final bool) map[string]any {
		c := map[string]any{"content": map[string]any{"role": "model", "parts": []map[string]any{{"text": t}}}}
		out := map[string]any{"candidates": []map[string]any{c}, "modelVersion": req.Model}
		if final {
			c["finishReason"] = "STOP"
			out["usageMetadata"] = map[string]int{"promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7}
		}
		return map[string]any{"response": out, "traceId": "trace-1"}
	}
	if rest == "api/v1internal:generateContent" {
		writeJSON(w, 200, chunk(text, true))
		return
	}
	if r.URL.Query().Get("alt") != "sse" {
		googleError(w, 400, "INVALID_ARGUMENT", "streamGenerateContent is served here only with alt=sse")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	half := len(text) / 2
	for i, part := range []string{text[:half], text[half:]} {
		b, _ := json.Marshal(chunk(part, i == 1))
		fmt.Fprintf(w, "data: %s\r\n\r\n", b)
	}
}
