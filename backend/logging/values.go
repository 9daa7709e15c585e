package logging

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// MinSecretLen is the shortest value Values masks: shorter strings (a test key "k", a port number) would mask
// ordinary words everywhere.
const MinSecretLen = 8

// Values masks secrets by value, whatever their shape (issue #9 finding 3: an upstream that echoes "Incorrect
// API key provided: <key>" leaked keys that no pattern recognises). The service feeds it every secret its store
// hands out or stores, and every sink (client error answers, usage rows, last errors, slog, the request log)
// redacts through it. It also applies the shape rules of Redact, so it is a drop-in for Redact.
//
// Lookups are lock-free: the set is an immutable strings.Replacer (the standard library's trie-based
// multi-string replacer) rebuilt only when a value not seen before is added.
type Values struct {
	mu   sync.Mutex // serialises Add
	seen map[string]struct{}
	rep  atomic.Pointer[strings.Replacer]
}

// NewValues returns an empty value redactor.
func NewValues() *Values { return &Values{seen: map[string]struct{}{}} }

// Add registers secret values; values shorter than MinSecretLen are ignored. Known values cost a map lookup.
func (v *Values) Add(secrets ...string) {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	changed := false
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		if len(s) < MinSecretLen {
			continue
		}
		if _, ok := v.seen[s]; !ok {
			v.seen[s] = struct{}{}
			changed = true
		}
	}
	if !changed {
		return
	}
	pairs := make([]string, 0, 2*len(v.seen))
	for s := range v.seen {
		pairs = append(pairs, s, Mask)
	}
	v.rep.Store(strings.NewReplacer(pairs...))
}

// Redact masks every registered value, then the credential shapes Redact knows. extra are request-scoped
// values (the presented bearer, x-api-key or x-goog-api-key) masked for this call only.
func (v *Values) Redact(s string, extra ...string) string {
	if s == "" {
		return s
	}
	if v != nil {
		if rep := v.rep.Load(); rep != nil {
			s = rep.Replace(s)
		}
	}
	for _, x := range extra {
		if len(x) >= MinSecretLen {
			s = strings.ReplaceAll(s, x, Mask)
		}
	}
	return Redact(s)
}

// RedactHeaders is RedactHeaders with value masking of the headers that are kept.
func (v *Values) RedactHeaders(h http.Header) http.Header {
	out := RedactHeaders(h)
	for k, vs := range out {
		for i, s := range vs {
			vs[i] = v.Redact(s)
		}
		out[k] = vs
	}
	return out
}

// RequestSecrets are the credential values a client presented on a request (Authorization of any scheme,
// x-api-key, x-goog-api-key), for Redact's extra argument.
func RequestSecrets(h http.Header) []string {
	var out []string
	if a := strings.TrimSpace(h.Get("Authorization")); a != "" {
		if _, tok, ok := strings.Cut(a, " "); ok {
			a = strings.TrimSpace(tok)
		}
		out = append(out, a)
	}
	for _, name := range []string{"x-api-key", "x-goog-api-key", "api-key"} {
		if s := strings.TrimSpace(h.Get(name)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Handler wraps inner so every message and string attribute is redacted by value and by shape.
func (v *Values) Handler(inner slog.Handler) slog.Handler {
	return redactingHandler{inner: inner, redact: func(s string) string { return v.Redact(s) }}
}
