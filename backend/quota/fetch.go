package quota

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
)

// VendorTokener is implemented by credential sources whose API token is minted from the account's own token
// (Copilot): quota endpoints on the vendor's account API take the account's own token.
type VendorTokener interface {
	VendorToken(ctx context.Context) (string, error)
}

// endpoint is how one provider's quota is asked for (docs/quota.md § Endpoints).
type endpoint struct {
	url    string // the default; NINEROUTER_ENDPOINTS "<provider>.quota" replaces it
	method string
	// vendorToken: authenticate with the account's own token, not a minted API token.
	vendorToken bool
	build       func(r *http.Request, token string, meta map[string]string) error
}

var endpoints = map[string]endpoint{
	"claude": {url: "https://api.anthropic.com/api/oauth/usage", method: http.MethodGet,
		build: func(r *http.Request, tok string, _ map[string]string) error {
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Set("anthropic-beta", "oauth-2025-04-20")
			return nil
		}},
	"codex": {url: "https://chatgpt.com/backend-api/wham/usage", method: http.MethodGet,
		build: func(r *http.Request, tok string, meta map[string]string) error {
			r.Header.Set("Authorization", "Bearer "+tok)
			if id := meta["account_id"]; id != "" {
				r.Header.Set("chatgpt-account-id", id)
			}
			return nil
		}},
	"github": {url: "https://api.github.com/copilot_internal/user", method: http.MethodGet, vendorToken: true,
		build: func(r *http.Request, tok string, _ map[string]string) error {
			r.Header.Set("Authorization", "token "+tok)
			r.Header.Set("X-GitHub-Api-Version", "2025-04-01")
			return nil
		}},
	"antigravity": {url: "https://cloudcode-pa.googleapis.com/v1internal:fetchAvailableModels", method: http.MethodPost,
		build: func(r *http.Request, tok string, meta map[string]string) error {
			r.Header.Set("Authorization", "Bearer "+tok)
			r.Header.Set("Content-Type", "application/json")
			project := meta["project"]
			if project == "" {
				project = meta["project_id"]
			}
			body, _ := json.Marshal(map[string]string{"project": project})
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			return nil
		}},
	"kiro": {url: "https://codewhisperer.us-east-1.amazonaws.com/getUsageLimits", method: http.MethodGet,
		build: func(r *http.Request, tok string, meta map[string]string) error {
			r.Header.Set("Authorization", "Bearer "+tok)
			q := r.URL.Query()
			q.Set("isEmailRequired", "true")
			q.Set("origin", "AI_EDITOR")
			q.Set("resourceType", "AGENTIC_REQUEST")
			if arn := firstOf(meta, "profile_arn", "profileArn"); arn != "" {
				q.Set("profileArn", arn)
			}
			r.URL.RawQuery = q.Encode()
			return nil
		}},
	"kimi-coding": {url: "https://api.kimi.com/coding/v1/usages", method: http.MethodGet,
		build: func(r *http.Request, tok string, _ map[string]string) error {
			r.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}},
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

// DefaultURL is a provider's quota endpoint before NINEROUTER_ENDPOINTS.
func DefaultURL(providerID string) string { return endpoints[providerID].url }

// Target is one account to fetch for.
type Target struct {
	AccountID int64
	Provider  string
	URL       string // the quota endpoint after overrides
	Cred      provider.CredentialSource
	// Transport sends through the account's own outbound proxy (the proxy package's shared transports).
	Transport http.RoundTripper
}

// FetchError is a fetch that produced no numbers; Status is the HTTP status (0 for a transport failure).
type FetchError struct {
	Status int
	Reason string
	// RetryAt is the vendor's Retry-After on a 429, if any.
	RetryAt time.Time
}

func (e *FetchError) Error() string { return e.Reason }

// maxQuotaBody bounds what a quota answer may weigh.
const maxQuotaBody = 1 << 20

// Fetch asks the provider's quota endpoint with a fresh token (the credential source refreshes one that is
// about to expire) through the account's proxy, with NineRouter's own User-Agent.
func Fetch(ctx context.Context, t Target, now func() time.Time) (Report, error) {
	ep, ok := endpoints[t.Provider]
	if !ok {
		return Report{}, &FetchError{Reason: "this provider has no quota endpoint"}
	}
	var tok string
	var meta map[string]string
	cred, err := t.Cred.Credential(ctx)
	if err != nil {
		return Report{}, &FetchError{Reason: "no usable sign-in: " + err.Error()}
	}
	tok, meta = cred.AccessToken, cred.Meta
	if vt, ok := t.Cred.(VendorTokener); ok && ep.vendorToken {
		if tok, err = vt.VendorToken(ctx); err != nil {
			return Report{}, &FetchError{Reason: "no usable sign-in: " + err.Error()}
		}
	}
	u := t.URL
	if u == "" {
		u = ep.url
	}
	if _, err := url.Parse(u); err != nil {
		return Report{}, &FetchError{Reason: "quota endpoint " + u + " is not a URL"}
	}
	req, err := http.NewRequestWithContext(ctx, ep.method, u, nil)
	if err != nil {
		return Report{}, &FetchError{Reason: err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", provider.UserAgent())
	if err := ep.build(req, tok, meta); err != nil {
		return Report{}, &FetchError{Reason: err.Error()}
	}
	tr := t.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return Report{}, &FetchError{Reason: "the quota endpoint could not be reached: " + trimURL(err.Error())}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxQuotaBody))
	if err != nil {
		return Report{}, &FetchError{Status: resp.StatusCode, Reason: "the quota answer broke off: " + err.Error()}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		fe := &FetchError{Status: resp.StatusCode, Reason: fmt.Sprintf("the quota endpoint answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))}
		if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "html") {
			fe.Reason += " (an HTML page)"
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			if s, ok := num(gjsonString(resp.Header.Get("Retry-After"))); ok && s > 0 {
				fe.RetryAt = now().Add(time.Duration(s) * time.Second)
			}
		}
		return Report{}, fe
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Report{}, &FetchError{Status: resp.StatusCode, Reason: "the quota endpoint answered with nothing"}
	}
	rep, err := Parse(t.Provider, body, now())
	if err != nil {
		return Report{}, &FetchError{Status: resp.StatusCode, Reason: err.Error()}
	}
	return rep, nil
}

// trimURL drops the URL from a transport error ("Get \"https://…\": dial tcp: …"): the reason is the part
// after it, and a URL may carry an account's query.
func trimURL(s string) string {
	if i := strings.Index(s, "\": "); i >= 0 && strings.HasPrefix(s, strings.SplitN(s, " ", 2)[0]+" \"") {
		return s[i+3:]
	}
	return s
}
