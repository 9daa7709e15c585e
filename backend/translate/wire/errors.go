package wire

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
)

// ErrorBody renders an error in the client's own format (docs/translation.md § Errors):
//   - OpenAI / Responses: {"error":{"message","type","code"}}
//   - Anthropic: {"type":"error","error":{"type","message"}}
//   - Gemini: {"error":{"code","message","status"}}
//
// typ is a short machine code ("invalid_request_error", "rate_limit_error", "not_found_error"...); when empty it
// is derived from status.
func ErrorBody(f Format, status int, typ, message string) []byte {
	if typ == "" {
		typ = TypeForStatus(status)
	}
	var v any
	switch f {
	case Anthropic:
		v = map[string]any{"type": "error", "error": map[string]any{"type": ClientType(typ, status), "message": message}}
	case Gemini:
		v = map[string]any{"error": map[string]any{"code": status, "message": message, "status": googleStatus(status)}}
	default:
		v = map[string]any{"error": map[string]any{"message": message, "type": typ, "code": typ}}
	}
	b, _ := json.Marshal(v)
	return b
}

// TypeForStatus maps an HTTP status to an OpenAI-style error type.
func TypeForStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusNotFound:
		return "not_found_error"
	case status == http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status == 529:
		return "overloaded_error"
	case status >= 500:
		return "api_error"
	default:
		return "invalid_request_error"
	}
}

// ClientType keeps vendor-specific error codes out of the type a client is shown: one of the error types every
// client format knows (Anthropic's list, which OpenAI's SDKs also map), else the one the status stands for.
func ClientType(typ string, status int) string {
	switch typ {
	case "invalid_request_error", "authentication_error", "permission_error", "not_found_error",
		"request_too_large", "rate_limit_error", "api_error", "overloaded_error":
		return typ
	}
	return TypeForStatus(status)
}

func googleStatus(status int) string {
	switch status {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 413:
		return "INVALID_ARGUMENT"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 503, 529:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	default:
		if status >= 500 {
			return "INTERNAL"
		}
		return "FAILED_PRECONDITION"
	}
}

// ParseError reads an upstream error body of any of the four formats (OpenAI/Responses {error:{message,type,
// code}}, Anthropic {type:error,error:{type,message}}, Gemini {error:{code,message,status}}, a bare {message}
// or {error:"text"}) without decoding it whole. The type is the first of type, code and status that is a
// non-empty string (Gemini's numeric code is a status, not a type). A body that is not JSON, or JSON without a
// message, becomes the message, trimmed and cut short; an empty one the status text. This is the one reader of
// upstream error bodies: HTTP error answers, errors inside 2xx bodies and in-band stream errors all come here.
func ParseError(status int, body []byte) *UpstreamError {
	e := &UpstreamError{Status: status}
	// Depth and validity in one flat scan: the body is the upstream's to make hostile.
	if jsonguard.Valid(body) == nil {
		root := gjson.ParseBytes(body)
		errv := root.Get("error")
		if !errv.Exists() && root.Get("type").String() == "error" {
			errv = root
		}
		switch {
		case errv.IsObject():
			e.Message = errv.Get("message").String()
			e.Type = firstString(errv.Get("type"), errv.Get("code"), errv.Get("status"))
		case errv.Type == gjson.String:
			e.Message = errv.String()
		}
		if e.Message == "" {
			e.Message = root.Get("message").String()
		}
	}
	if e.Message == "" {
		e.Message = Truncate(strings.TrimSpace(string(body)), maxBodyMessage)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.Status == 0 {
		e.Status = StatusForType(e.Type)
	}
	return e
}

// maxBodyMessage bounds the part of a non-JSON error body kept as its message.
const maxBodyMessage = 500

// Truncate cuts s to at most n bytes on a UTF-8 boundary, marking the cut with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func firstString(vs ...gjson.Result) string {
	for _, v := range vs {
		if v.Type == gjson.String && v.String() != "" {
			return v.String()
		}
	}
	return ""
}

// StatusForType maps a vendor error type/code/status to the HTTP status it stands for (for in-band errors).
func StatusForType(typ string) int {
	switch typ {
	case "overloaded_error", "server_is_overloaded", "UNAVAILABLE":
		return 529
	case "rate_limit_error", "rate_limit_exceeded", "RESOURCE_EXHAUSTED", "insufficient_quota":
		return http.StatusTooManyRequests
	case "authentication_error", "invalid_api_key", "UNAUTHENTICATED":
		return http.StatusUnauthorized
	case "permission_error", "PERMISSION_DENIED":
		return http.StatusForbidden
	case "not_found_error", "model_not_found", "NOT_FOUND":
		return http.StatusNotFound
	case "invalid_request_error", "context_length_exceeded", "INVALID_ARGUMENT", "FAILED_PRECONDITION":
		return http.StatusBadRequest
	case "request_too_large":
		return http.StatusRequestEntityTooLarge
	case "DEADLINE_EXCEEDED":
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}
