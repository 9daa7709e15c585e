package service

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/store"
)

// proxySecret is the credential the addresses carry: no answer, error or view may repeat it.
const proxySecret = "PROXYSECRET-0123456789"

// proxyCases: ok says whether an account takes the address; auth that it carries credentials (an account
// keeps them in the secret store, proxycred.go; a setting refuses them).
var proxyCases = []struct {
	url  string
	ok   bool
	auth bool
}{
	{"", true, false},
	{"http://proxy.example:3128", true, false},
	{"https://proxy.example:443/", true, false},
	{"socks5://127.0.0.1:1080", true, false},
	{"socks5h://proxy.example:1080", true, false},
	{"HTTP://proxy.example:3128", true, false},
	{"gopher://u:" + proxySecret + "@x", false, true},
	{"http://u:" + proxySecret + "@proxy.example:3128", true, true},
	{"socks5://" + proxySecret + "@proxy.example:1080", true, true},
	{"ftp://proxy.example:21", false, false},
	{"proxy.example:3128", false, false},
	{"http://", false, false},
	{"http://:3128", false, false},
	{"http://proxy.example:3128/path?token=" + proxySecret, false, false},
	{"http://%zz" + proxySecret, false, false},
	{"mailto:" + proxySecret, false, false},
}

// TestCheckProxyURL: the schemes net/http's Transport dials, a host, no path, maybe a user name and password;
// no error repeats what followed the host.
func TestCheckProxyURL(t *testing.T) {
	for _, tc := range proxyCases {
		err := checkProxyURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.url, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), proxySecret) {
			t.Errorf("%q: the error repeats the credential: %v", tc.url, err)
		}
	}
}

// TestProxyURLOnEveryPath: each way an account's (or the outbound) proxy is set — add, edit, add-node, an
// import, the settings — checks it the same way (a setting refuses credentials, which it would keep in the
// database), answers ErrInvalid without repeating a credential, and a credential stored in the row by an older
// version is masked in every view.
func TestProxyURLOnEveryPath(t *testing.T) {
	ctx := context.Background()
	svc, _ := journalService(t, t.TempDir(), nil)
	defer svc.Close()
	acct, err := svc.AddAccount(ctx, AccountInput{Provider: "glm", APIKey: ptr("sk-proxy-test-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	paths := []struct {
		name string
		set  func(p string) error
		// plain: the settings answer a plain error (the API says 400 for any refused setting)
		plain bool
	}{
		{"AddAccount", func(p string) error {
			_, err := svc.AddAccount(ctx, AccountInput{Provider: "glm", APIKey: ptr("sk-proxy-test-0123456789"), ProxyURL: &p})
			return err
		}, false},
		{"UpdateAccount", func(p string) error {
			_, err := svc.UpdateAccount(ctx, acct.ID, AccountInput{ProxyURL: &p})
			return err
		}, false},
		{"AddNode", func(p string) error {
			_, _, err := svc.AddNode(ctx, NodeInput{Prefix: "px" + strings.Repeat("x", len(p)%7), Format: "openai", BaseURL: "http://127.0.0.1:9/v1", APIKey: "k-0123456789", ProxyURL: p})
			if err == nil {
				nodes, _ := svc.Nodes(ctx)
				for _, n := range nodes {
					_ = svc.DeleteNode(ctx, n.ID)
				}
			}
			return err
		}, false},
		{"settings", func(p string) error { return svc.UpdateSettings(ctx, map[string]string{SettingHTTPSProxy: p}) }, true},
	}
	for _, path := range paths {
		for _, tc := range proxyCases {
			if tc.url == "" {
				continue
			}
			err := path.set(tc.url)
			if ok := tc.ok && !(path.plain && tc.auth); (err == nil) != ok {
				t.Errorf("%s %q: %v, want ok=%v", path.name, tc.url, err, tc.ok)
			}
			if err != nil && ((!path.plain && !errors.Is(err, ErrInvalid)) || strings.Contains(err.Error(), proxySecret)) {
				t.Errorf("%s %q: %v (want ErrInvalid, never the credential)", path.name, tc.url, err)
			}
		}
	}

	t.Run("import", func(t *testing.T) {
		b := &importer.Bundle{Source: "test", Accounts: []importer.Account{
			{Ref: "with a password", Provider: "glm", Name: "pw", Enabled: true, APIKey: "sk-import-0123456789", ProxyURL: "http://u:" + proxySecret + "@proxy.example:3128"},
			{Ref: "gopher", Provider: "glm", Name: "gopher", Enabled: true, APIKey: "sk-import-9876543210", ProxyURL: "gopher://proxy.example:70"},
		}, Settings: map[string]string{SettingHTTPProxy: "http://" + proxySecret + "@proxy.example:3128"}}
		p, err := svc.ApplyImport(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(p)
		if strings.Contains(string(raw), proxySecret) {
			t.Fatalf("the import report repeats the credential: %s", raw)
		}
		for _, it := range p.Items {
			if wantAdded := it.Name == "glm: pw"; (it.Action == importer.ActionAdd) != wantAdded && (it.Kind == "account" || it.Kind == "setting") {
				t.Errorf("imported %s %s: %+v", it.Kind, it.Name, it)
			}
		}
	})

	t.Run("a credential stored by an older version is masked", func(t *testing.T) {
		legacy := "http://u:" + proxySecret + "@proxy.example:3128"
		if err := svc.db.Model(&store.Account{}).Where("id = ?", acct.ID).Update("proxy_url", legacy).Error; err != nil {
			t.Fatal(err)
		}
		if err := svc.db.SetSetting(ctx, SettingHTTPProxy, legacy); err != nil {
			t.Fatal(err)
		}
		accts, _ := svc.Accounts(ctx)
		settings, _ := svc.Settings(ctx)
		raw, _ := json.Marshal([]any{accts, settings})
		if strings.Contains(string(raw), proxySecret) {
			t.Fatalf("a view shows the credential: %s", raw)
		}
		if !strings.Contains(string(raw), "http://[REDACTED]@proxy.example:3128") {
			t.Fatalf("the masked proxy is not shown: %s", raw)
		}
	})
}
