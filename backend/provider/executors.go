package provider

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
	"github.com/ninerouter/ninerouter/backend/version"
)

// UserAgent names NineRouter and the real OS (docs/security.md § Client identity): never another product's. It is
// built once: reading the build info costs microseconds, on every upstream request otherwise.
var UserAgent = sync.OnceValue(func() string {
	return "NineRouter/" + version.Get().Version + " (" + runtime.GOOS + "; " + runtime.GOARCH + ")"
})

// newJSONRequest builds a POST of c.Body to base+path (and query) with the common headers.
func newJSONRequest(ctx context.Context, base, path, query string, c Call) (*http.Request, error) {
	// The URL is parsed once, by NewRequest (this runs for every upstream attempt).
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, joinURL(base, path, query), bytes.NewReader(c.Body))
	if err != nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") || req.URL.Host == "" {
		return nil, fmt.Errorf("base URL %q is not an http(s) URL", base)
	}
	req.ContentLength = int64(len(c.Body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent())
	if c.Stream {
		req.Header.Set("Accept", "text/event-stream")
	} else {
		req.Header.Set("Accept", "application/json")
	}
	return req, nil
}

// joinURL appends path (and an optional query, after any query the base has) to a base URL without doubling
// slashes.
func joinURL(base, path, query string) string {
	u := strings.TrimRight(base, "/") + path
	if query == "" {
		return u
	}
	if strings.Contains(u, "?") {
		return u + "&" + query
	}
	return u + "?" + query
}

func bearerToken(c Credential) string {
	if c.AccessToken != "" {
		return c.AccessToken
	}
	return c.APIKey
}

// setCredential sends a sign-in's access token as a Bearer token, else the API key in the vendor's keyHeader.
func setCredential(h http.Header, c Credential, keyHeader string) {
	if c.AccessToken != "" {
		h.Set("Authorization", "Bearer "+c.AccessToken)
	} else {
		h.Set(keyHeader, c.APIKey)
	}
}

// OpenAIExecutor speaks OpenAI Chat Completions and/or Responses with a Bearer token.
type OpenAIExecutor struct {
	Wire    []wire.Format     // formats spoken, preferred first (OpenAI and/or Responses)
	Headers map[string]string // fixed extra headers (OpenRouter's HTTP-Referer / X-Title)
}

func (e OpenAIExecutor) Formats() []wire.Format { return e.Wire }

func (e OpenAIExecutor) NewRequest(ctx context.Context, c Call) (*http.Request, error) {
	path := "/chat/completions"
	if c.Format == wire.Responses {
		path = "/responses"
	}
	req, err := newJSONRequest(ctx, c.BaseURL, path, "", c)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+bearerToken(c.Credential))
	for k, v := range e.Headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

// AnthropicVersion is sent when the client did not name one.
const AnthropicVersion = "2023-06-01"

// AnthropicExecutor speaks Anthropic Messages with x-api-key (or Bearer for OAuth tokens).
type AnthropicExecutor struct {
	Query string // e.g. "beta=true" for endpoints that want it
}

func (e AnthropicExecutor) Formats() []wire.Format { return []wire.Format{wire.Anthropic} }

func (e AnthropicExecutor) NewRequest(ctx context.Context, c Call) (*http.Request, error) {
	path := "/messages"
	if c.Count {
		path = "/messages/count_tokens"
	}
	req, err := newJSONRequest(ctx, c.BaseURL, path, e.Query, c)
	if err != nil {
		return nil, err
	}
	setCredential(req.Header, c.Credential, "x-api-key")
	// Protocol headers the client chose pass through (identity policy rule 1/2); nothing is invented.
	version := AnthropicVersion
	if c.ClientHeader != nil {
		if v := c.ClientHeader.Get("anthropic-version"); v != "" {
			version = v
		}
		if v := c.ClientHeader.Values("anthropic-beta"); len(v) > 0 && c.Format == wire.Anthropic {
			req.Header["Anthropic-Beta"] = v
		}
	}
	req.Header.Set("anthropic-version", version)
	return req, nil
}

// GeminiExecutor speaks Gemini generateContent with x-goog-api-key; the model is in the path.
type GeminiExecutor struct{}

func (GeminiExecutor) Formats() []wire.Format { return []wire.Format{wire.Gemini} }

func (GeminiExecutor) NewRequest(ctx context.Context, c Call) (*http.Request, error) {
	if strings.ContainsAny(c.Model, "/?#:") && !strings.HasPrefix(c.Model, "models/") {
		return nil, fmt.Errorf("model %q is not a Gemini model id", c.Model)
	}
	model := url.PathEscape(strings.TrimPrefix(c.Model, "models/"))
	path, query := "/models/"+model+":generateContent", ""
	if c.Count {
		path = "/models/" + model + ":countTokens"
	}
	if c.Stream {
		path, query = "/models/"+model+":streamGenerateContent", "alt=sse"
	}
	req, err := newJSONRequest(ctx, c.BaseURL, path, query, c)
	if err != nil {
		return nil, err
	}
	setCredential(req.Header, c.Credential, "x-goog-api-key")
	return req, nil
}
