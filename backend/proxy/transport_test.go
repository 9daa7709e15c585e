package proxy

import (
	"net/http"
	"testing"
	"time"
)

// TestTransportGivesTheProxyItsCredentials: an account's proxy address with a user name and password (put back
// from the secret store by the service's snapshot) reaches net/http's Transport whole, which sends them as
// Proxy-Authorization (http, https) or in the SOCKS5 handshake (socks5, socks5h); loopback upstreams still
// bypass it, as NO_PROXY's rules say.
func TestTransportGivesTheProxyItsCredentials(t *testing.T) {
	tr := newTransports(time.Second, nil)
	cases := []struct {
		proxy, upstream    string
		wantUser, wantPass string
		direct             bool
	}{
		{"http://corp-user:p%40ss@proxy.example:3128", "https://api.example/v1", "corp-user", "p@ss", false},
		{"https://u:pw@proxy.example:443", "http://api.example/v1", "u", "pw", false},
		{"socks5://s-user:s-pass@127.0.0.2:1080", "https://api.example/v1", "s-user", "s-pass", false},
		{"socks5h://only-user@proxy.example:1080", "https://api.example/v1", "only-user", "", false},
		{"socks5://s-user:s-pass@proxy.example:1080", "http://127.0.0.1:9/v1", "", "", true},
	}
	for _, c := range cases {
		got, err := tr.get(c.proxy)
		if err != nil {
			t.Fatalf("%s: %v", c.proxy, err)
		}
		req, _ := http.NewRequest(http.MethodPost, c.upstream, nil)
		u, err := got.Proxy(req)
		if err != nil {
			t.Fatalf("%s: %v", c.proxy, err)
		}
		if c.direct {
			if u != nil {
				t.Errorf("%s: a loopback upstream goes through %v", c.proxy, u.Redacted())
			}
			continue
		}
		if u == nil || u.User == nil {
			t.Fatalf("%s: the transport's proxy has no credentials: %v", c.proxy, u)
		}
		pass, _ := u.User.Password()
		if u.User.Username() != c.wantUser || pass != c.wantPass {
			t.Errorf("%s: the transport dials the proxy as %q:%q", c.proxy, u.User.Username(), pass)
		}
	}

	// A replaced password is forgotten with its transport; the address in use stays.
	keep := cases[0].proxy
	tr.retain(map[string]bool{keep: true})
	if len(tr.byProxy) != 1 || tr.byProxy[keep] == nil {
		t.Fatalf("after retain: %d transports", len(tr.byProxy))
	}
}
