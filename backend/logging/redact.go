// Package logging is NineRouter's one redaction path (docs/security.md C9) and its slog setup. Every sink that could
// see a secret (logs, request logs, error messages shown to users, diagnostics, exports) goes through Redact*.
package logging

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
)

// Mask replaces a whole secret value. Never "first N chars" (CVE-2024-9606).
const Mask = "[REDACTED]"

var secretHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "x-api-key": true, "x-goog-api-key": true,
	"api-key": true, "cookie": true, "set-cookie": true, "x-management-token": true,
}

// IsSecretHeader reports whether a header carries credentials.
func IsSecretHeader(name string) bool { return secretHeaders[strings.ToLower(name)] }

// RedactHeaders returns a copy of h with credential headers masked.
func RedactHeaders(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if IsSecretHeader(k) {
			out[k] = []string{Mask}
			continue
		}
		cp := make([]string, len(vs))
		for i, v := range vs {
			cp[i] = Redact(v)
		}
		out[k] = cp
	}
	return out
}

var (
	// JSON fields that hold credentials: "api_key": "...", "access_token": "..." and friends.
	jsonSecretField = regexp.MustCompile(`(?i)("(?:api[_-]?key|access[_-]?token|refresh[_-]?token|id[_-]?token|client[_-]?secret|password|secret|token|authorization|x-api-key)"\s*:\s*")((?:[^"\\]|\\.)*)(")`)
	// Query parameters: ?key=...&token=...
	querySecret = regexp.MustCompile(`(?i)([?&](?:key|api_key|token|access_token|refresh_token|code)=)([^&\s"']+)`)
	// Bearer tokens anywhere in free text.
	bearer = regexp.MustCompile(`(?i)(bearer\s+)([A-Za-z0-9._~+/=-]{8,})`)
	// Well-known key shapes: OpenAI/Anthropic/NineRouter sk-..., Google AIza..., GitHub tokens, JWTs.
	keyShapes = regexp.MustCompile(`\b(?:sk-[A-Za-z0-9_-]{12,}|nr-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,}|gh[pousr]_[A-Za-z0-9]{20,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})`)
)

// Redact masks credentials in free text or a JSON/body string.
func Redact(s string) string {
	if s == "" {
		return s
	}
	s = jsonSecretField.ReplaceAllString(s, "${1}"+Mask+"${3}")
	s = querySecret.ReplaceAllString(s, "${1}"+Mask)
	s = bearer.ReplaceAllString(s, "${1}"+Mask)
	s = keyShapes.ReplaceAllString(s, Mask)
	return s
}

// redactingHandler wraps a slog.Handler so that every string attribute and message passes through Redact, and
// attributes whose key names a secret are masked whole.
type redactingHandler struct {
	inner  slog.Handler
	redact func(string) string // Redact, or a Values' Redact
}

// NewHandler wraps inner with redaction by shape. Values.Handler adds redaction by value.
func NewHandler(inner slog.Handler) slog.Handler {
	return redactingHandler{inner: inner, redact: Redact}
}

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, h.redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(redactAttr(a, h.redact))
		return true
	})
	return h.inner.Handle(ctx, nr)
}

func (h redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = redactAttr(a, h.redact)
	}
	return redactingHandler{inner: h.inner.WithAttrs(out), redact: h.redact}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{inner: h.inner.WithGroup(name), redact: h.redact}
}

// secretKeySuffixes name attributes that hold a credential. Matching the end of the key (not anywhere in it)
// keeps "secret_store", "token_count" or "password_set" readable while "api_key", "access_token",
// "client_secret" and "x-api-key" are masked (issue #9 finding 8: the start-up log printed
// secret_store=[REDACTED]).
var secretKeySuffixes = []string{"apikey", "api_key", "api-key", "token", "secret", "password", "passwd",
	"authorization", "cookie", "credential", "credentials"}

// IsSecretKey reports whether an attribute or field name holds a credential.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range secretKeySuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

func redactAttr(a slog.Attr, redact func(string) string) slog.Attr {
	if IsSecretKey(a.Key) {
		return slog.String(a.Key, Mask)
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(a.Value.String()))
	case slog.KindGroup:
		g := a.Value.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = redactAttr(x, redact)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := a.Value.Any().(type) {
		case error:
			return slog.String(a.Key, redact(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, redact(x.String()))
		}
	}
	return a
}
