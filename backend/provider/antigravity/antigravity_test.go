package antigravity_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/antigravity"
	"github.com/ninerouter/ninerouter/backend/provider/geminicli"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

func TestSafeName(t *testing.T) {
	cases := map[string]string{
		"get_weather":           "get_weather",
		"mcp__fs/read file":     "mcp__fs_read_file",
		"9lives":                "_9lives",
		"":                      "_",
		"ns:tool.v1-beta":       "ns:tool.v1-beta",
		strings.Repeat("a", 70): strings.Repeat("a", 64),
	}
	for in, want := range cases {
		if got := antigravity.SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEnvelope: request type and id, the output cap, one tool group, names rewritten in declarations and in
// earlier turns, and mapped back in the answer.
func TestEnvelope(t *testing.T) {
	x := antigravity.Spec().Executor.(geminicli.Executor)
	body := `{"contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"functionCall":{"name":"fs/read","args":{}}}]},` +
		`{"role":"user","parts":[{"functionResponse":{"name":"fs/read","response":{"ok":true}}}]}],` +
		`"tools":[{"functionDeclarations":[{"name":"fs/read"},{"name":"fs_read"},{"name":"ok"}]},{"googleSearch":{}}],` +
		`"generationConfig":{"maxOutputTokens":65536}}`
	c := provider.Call{BaseURL: antigravity.API, Model: "gemini-3-flash", Body: []byte(body), Format: wire.Gemini, Stream: true,
		Credential: provider.Credential{AccessToken: "at", Meta: map[string]string{geminicli.ProjectKey: "p"}}}
	req, err := x.NewRequest(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(req.Body)
	env := gjson.ParseBytes(b)
	checks := map[string]string{
		"requestType": "agent", "project": "p", "model": "gemini-3-flash",
		"request.generationConfig.maxOutputTokens": "16384", "request.tools.#": "1",
		"request.tools.0.functionDeclarations.0.name": "fs_read_2", "request.tools.0.functionDeclarations.1.name": "fs_read",
		"request.contents.1.parts.0.functionCall.name": "fs_read_2", "request.contents.2.parts.0.functionResponse.name": "fs_read_2",
	}
	for path, want := range checks {
		if got := env.Get(path).String(); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if !strings.HasPrefix(env.Get("requestId").String(), "agent-") || env.Get("userAgent").Exists() {
		t.Errorf("request id / no userAgent: %s", b)
	}
	stream := "data: {\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"fs_read_2\",\"args\":{}}}]}}]}}\n\n"
	resp := &http.Response{Body: io.NopCloser(strings.NewReader(stream)), Header: http.Header{}}
	x.AdaptResponse(c, resp)
	got, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(got), `"name":"fs/read"`) {
		t.Fatalf("answer not mapped back: %s", got)
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a", "mcp__x/y", "9", "ü", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := antigravity.SafeName(name)
		if len(s) == 0 || len(s) > 64 || !(s[0] == '_' || s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
			t.Fatalf("SafeName(%q) = %q", name, s)
		}
		for _, r := range s[1:] {
			if !(r == '_' || r == '.' || r == ':' || r == '-' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
				t.Fatalf("SafeName(%q) = %q", name, s)
			}
		}
	})
}
