package proxy

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// writeClientError answers in the client's own error format, with Retry-After when a retry time is known.
func writeClientError(w http.ResponseWriter, f wire.Format, status int, typ, msg string, retry time.Time) {
	if status < 400 || status > 599 {
		status = http.StatusBadGateway
	}
	if !retry.IsZero() {
		secs := int(math.Ceil(time.Until(retry).Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	if !isClientType(typ) {
		typ = ""
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(wire.ErrorBody(f, status, typ, msg))
}

// WriteClientError is writeClientError for the API layer (unknown model, bad JSON, too large).
func WriteClientError(w http.ResponseWriter, f wire.Format, status int, typ, msg string) {
	writeClientError(w, f, status, typ, msg, time.Time{})
}

// isClientType keeps vendor-specific error codes out of the client's error type field.
func isClientType(typ string) bool {
	switch typ {
	case "invalid_request_error", "authentication_error", "permission_error", "not_found_error",
		"request_too_large", "rate_limit_error", "api_error", "overloaded_error":
		return true
	}
	return false
}

// appendStreamError appends an in-band error event in the client's stream format. The stream then ends without
// its normal terminator ([DONE], message_stop), so no client mistakes it for a complete answer.
func appendStreamError(dst []byte, f wire.Format, status int, typ, msg string) []byte {
	if status < 400 {
		status = http.StatusBadGateway
	}
	if !isClientType(typ) {
		typ = wire.TypeForStatus(status)
	}
	switch f {
	case wire.Anthropic:
		return sse.Append(dst, "error", wire.ErrorBody(f, status, typ, msg))
	case wire.Responses:
		b, _ := json.Marshal(map[string]any{"type": "error", "code": typ, "message": msg, "param": nil})
		return sse.Append(dst, "error", b)
	default:
		return sse.Append(dst, "", wire.ErrorBody(f, status, typ, msg))
	}
}
