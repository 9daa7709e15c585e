package oauth

import (
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/provider"
)

// NewHTTPClient is the client every sign-in and refresh call uses: NineRouter's own User-Agent (identity
// policy, README "Honest identity"), the environment's proxy, bounded time.
func NewHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Timeout: 60 * time.Second, Transport: uaTransport{tr}}
}

type uaTransport struct{ next http.RoundTripper }

func (t uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", provider.UserAgent())
	return t.next.RoundTrip(r)
}
