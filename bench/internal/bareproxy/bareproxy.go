// Package bareproxy is the practical floor of the benchmark: net/http/httputil.ReverseProxy in front of the
// upstream with a tuned transport and nothing else (no auth, no routing, no accounting). Whatever NineRouter
// adds beyond this is the price of its own features.
package bareproxy

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// New returns a reverse proxy to upstream (e.g. "http://127.0.0.1:1234"). FlushInterval -1 flushes after every
// write, which is what SSE needs; the transport keeps enough idle connections for the rate ladder (net/http's
// default of 2 per host would measure connection churn, not proxying).
func New(upstream string) (http.Handler, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host
		},
		FlushInterval: -1,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     90 * time.Second,
		},
		ErrorLog: nil,
	}
	return rp, nil
}
