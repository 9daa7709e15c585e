package proxy

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// writeClientError answers in the client's own error format, with Retry-After when a retry time is known.
func writeClientError(w http.ResponseWriter, f wire.Format, status int, typ, msg string, retry time.Time) {
	status, body := translate.ErrorBody(f, &wire.UpstreamError{Status: status, Type: typ, Message: msg})
	if !retry.IsZero() {
		secs := int(math.Ceil(time.Until(retry).Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteClientError is writeClientError for the API layer (unknown model, bad JSON, too large).
func WriteClientError(w http.ResponseWriter, f wire.Format, status int, typ, msg string) {
	writeClientError(w, f, status, typ, msg, time.Time{})
}
