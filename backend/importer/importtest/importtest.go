// Package importtest holds what the importer's tests share: the path of the peers' sample data and a golden-file
// view of a Bundle with every secret replaced by a marker.
package importtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider/subscriptions"
	"github.com/ninerouter/ninerouter/backend/testkit/golden"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// Samples is backend/importer/testdata: copies of the peers' sample data (every secret in them is made up).
func Samples() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// ReadSample reads the sample at Samples()/path... with an importer's Read, failing the test if it cannot.
func ReadSample(t *testing.T, read func(context.Context, string) (*importer.Bundle, error), path ...string) *importer.Bundle {
	t.Helper()
	b, err := read(t.Context(), filepath.Join(append([]string{Samples()}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Redacted is b as JSON with secrets replaced by "<secret …hint>" markers, for golden files.
func Redacted(b *importer.Bundle) []byte {
	c := *b
	c.Origin = filepath.Base(c.Origin)
	c.Accounts = append([]importer.Account(nil), b.Accounts...)
	for i, a := range c.Accounts {
		if a.APIKey != "" {
			a.APIKey = "<secret " + importer.Hint(a.APIKey) + ">"
		}
		if a.OAuth != nil {
			o := *a.OAuth
			for _, s := range []*string{&o.AccessToken, &o.RefreshToken, &o.IDToken} {
				if *s != "" {
					*s = "<secret " + importer.Hint(*s) + ">"
				}
			}
			a.OAuth = &o
		}
		c.Accounts[i] = a
	}
	c.ClientKeys = append([]importer.ClientKey(nil), b.ClientKeys...)
	for i := range c.ClientKeys {
		if c.ClientKeys[i].Key != "" {
			c.ClientKeys[i].Key = "<secret " + importer.Hint(c.ClientKeys[i].Key) + ">"
		}
	}
	return JSON(c)
}

// JSON is v indented, without HTML escaping (golden files are read by people).
func JSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return buf.Bytes()
}

// Golden compares got with testdata/NAME in the calling package's folder, rewriting it when update is set.
func Golden(t *testing.T, name string, got []byte, update bool) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, update)
}

// ClosedVendors writes a NINEROUTER_ENDPOINTS file that points every subscription vendor URL at a closed loopback
// port, so that the refresher of an imported account never reaches the internet from a test, and returns a
// getenv that names it (the file's path is also returned for t.Setenv).
func ClosedVendors(t *testing.T) func(string) (string, bool) {
	t.Helper()
	closed := mockupstream.ClosedURL()
	ep := map[string]map[string]string{}
	for _, p := range subscriptions.SignIns() {
		ep[p.ID] = map[string]string{}
		for name := range p.Endpoints {
			if !strings.HasSuffix(name, "_path") {
				ep[p.ID][name] = closed
			}
		}
	}
	path := filepath.Join(t.TempDir(), "endpoints.json")
	raw, _ := json.Marshal(ep)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return func(k string) (string, bool) {
		if k == oauth.EnvEndpoints {
			return path, true
		}
		return "", false
	}
}

// CheckBundle is what every reader's fuzz target asserts of a bundle it returned: each account holds exactly one
// credential (the Account contract) and each client key a key or its hash. Names, model strings, prices and
// budgets are the import's to check against what is configured (backend/service/imports.go).
func CheckBundle(b *importer.Bundle) error {
	var errs []error
	for _, a := range b.Accounts {
		if (a.APIKey != "") == (a.OAuth != nil) {
			errs = append(errs, fmt.Errorf("account %q: key set %v, OAuth set %v", a.Ref, a.APIKey != "", a.OAuth != nil))
		}
	}
	for _, k := range b.ClientKeys {
		if k.Key == "" && k.Hash == "" {
			errs = append(errs, fmt.Errorf("client key %q has neither key nor hash", k.Name))
		}
	}
	return errors.Join(errs...)
}
