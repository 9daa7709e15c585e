package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// errProxyAuth is a proxy's 407 on an account's request: its credentials (kept in the secret store, put in
// the account's proxy address by the service's snapshot) are missing or wrong.
var errProxyAuth = errors.New("the outbound proxy refused the request: 407 Proxy Authentication Required " +
	"(check the user name and password in the account's proxy address)")

// transports shares one tuned http.Transport per outbound proxy setting, so connections to each upstream are
// pooled and reused across requests and accounts. The default one honours HTTP(S)_PROXY/NO_PROXY; an account's
// own proxy replaces the environment's proxy for that account but still honours NO_PROXY; "direct" uses none.
type transports struct {
	headerTimeout time.Duration
	envProxy      func(*url.URL) (*url.URL, error)
	mu            sync.Mutex
	byProxy       map[string]*http.Transport
}

func newTransports(headerTimeout time.Duration, envProxy func(*url.URL) (*url.URL, error)) *transports {
	return &transports{headerTimeout: headerTimeout, envProxy: envProxy, byProxy: map[string]*http.Transport{}}
}

func (t *transports) get(proxyURL string) (*http.Transport, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tr, ok := t.byProxy[proxyURL]; ok {
		return tr, nil
	}
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: t.headerTimeout,
	}
	switch proxyURL {
	case "":
		tr.Proxy = http.ProxyFromEnvironment
		if t.envProxy != nil {
			tr.Proxy = func(r *http.Request) (*url.URL, error) { return t.envProxy(r.URL) }
		}
	case "direct", "none":
		tr.Proxy = nil
	default:
		u, err := url.Parse(proxyURL)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("an account's proxy address is not a URL") // not repeated: it holds the proxy's password
		}
		cfg := httpproxy.Config{HTTPProxy: proxyURL, HTTPSProxy: proxyURL, NoProxy: envAny("NO_PROXY", "no_proxy")}
		pf := cfg.ProxyFunc()
		tr.Proxy = func(r *http.Request) (*url.URL, error) { return pf(r.URL) }
	}
	t.byProxy[proxyURL] = tr
	return tr, nil
}

// retain forgets the transports of proxy addresses not in used (the environment's and "direct" stay), closing
// their idle connections: a replaced proxy, or replaced credentials, whose address with the old password would
// otherwise stay in memory for good. A request still using one finishes on it.
func (t *transports) retain(used map[string]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, tr := range t.byProxy {
		switch {
		case k == "" || k == "direct" || k == "none" || used[k]:
			continue
		}
		tr.CloseIdleConnections()
		delete(t.byProxy, k)
	}
}

// RetainTransports forgets the transports of proxy addresses no account uses any more (used: the addresses of
// the current snapshot's accounts).
func (p *Proxy) RetainTransports(used map[string]bool) { p.tr.retain(used) }

func (t *transports) closeIdle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tr := range t.byProxy {
		tr.CloseIdleConnections()
	}
}

func envAny(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}
