package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// router is a running NineRouter (the real headless binary, `serve` on a temp data dir).
type router struct {
	*proc
	dataDir string
	key     string // client API key
}

// routerEnv keeps the instance away from the desktop keychain and from any proxy in the environment, so the
// benchmark measures the router and not D-Bus or a corporate proxy. The secret store is the plain 0600 file,
// the headless default where no keychain exists; lane D measures the scrypt-encrypted file separately.
func routerEnv(gomaxprocs string) []string {
	env := []string{"NINEROUTER_SECRET_STORE=file", "NINEROUTER_SECRET_KEY=",
		"HTTP_PROXY=", "HTTPS_PROXY=", "http_proxy=", "https_proxy=", "NO_PROXY=127.0.0.1,localhost",
		"REQUIRE_API_KEY=", "NINEROUTER_DEBUG=", "NINEROUTER_ADDR=", "NINEROUTER_DATA_DIR="}
	if gomaxprocs != "" {
		env = append(env, "GOMAXPROCS="+gomaxprocs)
	}
	return env
}

// startRouter runs bin serve on a fresh port and waits until it accepts connections (no request is sent, so a
// later idle-RSS reading is "before the first request").
func startRouter(ctx context.Context, name, bin, dataDir string, argvWrap func([]string) []string, env []string) (*router, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := argvWrap([]string{bin, "serve", "--addr", addr, "--data-dir", dataDir})
	p, _, err := startProc(ctx, name, argv, env, false)
	if err != nil {
		return nil, err
	}
	p.addr = addr
	if err := waitTCP(ctx, p, addr, 20*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return &router{proc: p, dataDir: dataDir}, nil
}

// manage sends one management API call with the CLI token of the data dir, exactly as `ninerouter` CLI
// commands do against a running instance.
func (r *router) manage(ctx context.Context, method, path string, in, out any) error {
	// The server binds before it opens the data dir, so the token may appear a moment after the port.
	var tok []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; {
		tok, err = os.ReadFile(filepath.Join(r.dataDir, "cli-token"))
		if err == nil && len(bytes.TrimSpace(tok)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("read CLI token: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+r.addr+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// node is one custom provider node the benchmark adds.
type node struct {
	Prefix, Format, BaseURL string
}

// configure adds the nodes, a client API key and the aliases through the management API.
func (r *router) configure(ctx context.Context, nodes []node, aliases map[string]string) error {
	for _, n := range nodes {
		in := map[string]any{"prefix": n.Prefix, "name": "bench " + n.Prefix, "format": n.Format, "baseUrl": n.BaseURL, "apiKey": "sk-nrbench-upstream"}
		if err := r.manage(ctx, http.MethodPost, "/api/nodes", in, nil); err != nil {
			return fmt.Errorf("add node %s: %w", n.Prefix, err)
		}
	}
	var created struct {
		Key string `json:"key"`
	}
	if err := r.manage(ctx, http.MethodPost, "/api/keys", map[string]any{"name": "nrbench"}, &created); err != nil {
		return fmt.Errorf("create client key: %w", err)
	}
	if created.Key == "" {
		return fmt.Errorf("create client key: the answer carried no key")
	}
	r.key = created.Key
	for name, target := range aliases {
		if err := r.manage(ctx, http.MethodPut, "/api/aliases/"+name, map[string]any{"target": target}, nil); err != nil {
			return fmt.Errorf("alias %s: %w", name, err)
		}
	}
	return nil
}
