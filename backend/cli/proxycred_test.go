package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/testkit/sweep"
)

// TestAuthenticatingProxyFromTheCLI: `provider add` and `provider add-node` take a proxy with a user name and
// password (inline, with a warning, or from stdin); no output (--json or text, add or list) and no file of the
// data dir but the secret store shows the password.
func TestAuthenticatingProxyFromTheCLI(t *testing.T) {
	const pass = "cli-proxy-pass-0123"
	dir := t.TempDir()
	env := map[string]string{"NINEROUTER_SECRET_STORE": "file", "NINEROUTER_DATA_DIR": dir}
	withAuth := "http://corp:" + pass + "@proxy.example:3128"
	var outs []string

	code, out, errOut := run(t, env, "provider", "add", "openai", "--name", "inline", "--api-key", "sk-cli-proxy-0000000000", "--proxy", withAuth, "--json")
	if code != 0 || !strings.Contains(errOut, "proxy password given on the command line") || !strings.Contains(out, `"proxyAuth": true`) ||
		!strings.Contains(out, `"proxyUrl": "http://proxy.example:3128"`) {
		t.Fatalf("inline proxy: exit %d\n%s\n%s", code, out, errOut)
	}
	outs = append(outs, out, errOut)

	var o, eb bytes.Buffer
	e := &Env{Stdout: &o, Stderr: &eb, Stdin: strings.NewReader(withAuth + "\n"),
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	if code := Main(context.Background(), []string{"provider", "add-node", "--prefix", "px", "--base-url", "http://upstream.test/v1",
		"--api-key", "sk-cli-node-0000000000", "--proxy", "-", "--json"}, e); code != 0 || strings.Contains(eb.String(), "warning: a proxy") ||
		!strings.Contains(o.String(), `"proxyAuth": true`) {
		t.Fatalf("proxy from stdin: exit %d\n%s\n%s", code, o.String(), eb.String())
	}
	outs = append(outs, o.String(), eb.String())

	eb.Reset()
	e.Stdin = strings.NewReader("sk-both-0000000000\n")
	if code := Main(context.Background(), []string{"provider", "add", "openai", "--api-key", "-", "--proxy", "-"}, e); code == 0 ||
		!strings.Contains(eb.String(), "--proxy - needs the address alone on stdin") {
		t.Fatalf("key and proxy both from stdin: exit %d, %s", code, eb.String())
	}

	for _, args := range [][]string{{"provider", "list"}, {"provider", "list", "--json"}} {
		code, out, errOut := run(t, env, args...)
		if code != 0 || (len(args) == 3 && !strings.Contains(out, `"proxyUrl": "http://proxy.example:3128"`)) {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errOut)
		}
		outs = append(outs, out, errOut)
	}
	for _, s := range outs {
		if strings.Contains(s, pass) {
			t.Fatalf("an output shows the proxy password:\n%s", s)
		}
	}
	for _, f := range sweep.Holding(t, dir, pass, secret.FileName) {
		t.Errorf("%s holds the proxy password", f)
	}
}
