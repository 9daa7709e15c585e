package provider

import (
	"context"
	"net/http"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// AuthSubscription marks providers whose accounts sign in (backend/oauth) rather than hold an API key. Their
// rate limits are credential-scoped: a 5-hour or weekly limit blocks every model of the account.
const AuthSubscription = AuthOAuth

// StreamOnly is implemented by executors whose upstream answers only as a stream (Codex): the proxy always asks
// for a stream and folds it into one answer for a client that wanted JSON.
type StreamOnly interface{ StreamOnly() bool }

// ModelFormats is implemented by executors whose wire format depends on the model (Copilot serves some models
// only on /responses). It replaces Formats for that model.
type ModelFormats interface {
	FormatsFor(model string) []wire.Format
}

// FormatRefusal is implemented by executors whose upstream refuses some models on one of its wire formats
// with a recognisable error (Copilot: "not accessible via the /chat/completions endpoint"). Given a failed
// answer, Refused reports whether the model must use another format; the executor then remembers that, so
// FormatsFor no longer offers the refused one, and the proxy sends the same attempt again once in the new format.
type FormatRefusal interface {
	Refused(model string, format wire.Format, status int, body []byte) bool
}

// ResponseAdapter is implemented by executors whose upstream wraps its answers (Gemini Code Assist's
// {"response": …} envelope): it rewrites a successful response's body, as a stream, into the declared format.
type ResponseAdapter interface {
	AdaptResponse(c Call, resp *http.Response)
}

// RefusedRefresher is implemented by credential sources that can tell a stale refusal from a real one: given
// the access token the upstream just refused, a source whose token has already moved on returns the current one
// without a token call (50 requests refused at once cause one refresh).
type RefusedRefresher interface {
	RefreshRefused(ctx context.Context, refused string) (Credential, error)
}

// Unusable is implemented by credential sources that can be out of service (a subscription account that needs
// signing in again): routing skips the account while the reason is non-empty.
type Unusable interface{ Unusable() string }

// FormatsFor is the wire formats spoken for model: the executor's per-model choice, else its Formats.
func (s *Spec) FormatsFor(model string) []wire.Format {
	if mf, ok := s.Executor.(ModelFormats); ok {
		if f := mf.FormatsFor(model); len(f) > 0 {
			return f
		}
	}
	return s.Executor.Formats()
}

// PickFormatFor is PickFormat for one model.
func (s *Spec) PickFormatFor(client wire.Format, model string) wire.Format {
	fs := s.FormatsFor(model)
	for _, f := range fs {
		if f == client {
			return f
		}
	}
	return fs[0]
}

// IsStreamOnly reports whether the upstream always streams.
func (s *Spec) IsStreamOnly() bool {
	so, ok := s.Executor.(StreamOnly)
	return ok && so.StreamOnly()
}

// NewJSONRequest builds a POST of c.Body to base+path (and query) with NineRouter's common headers (for
// executors in provider subpackages).
func NewJSONRequest(ctx context.Context, base, path, query string, c Call) (*http.Request, error) {
	return newJSONRequest(ctx, base, path, query, c)
}
