package translate_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// cliRequests are the real CLI requests in testdata/fixtures/requests and the format each was sent in.
var cliRequests = map[string]wire.Format{
	"claude-request.json":                   wire.Anthropic,
	"codex-request.json":                    wire.Responses,
	"codex-builtin-openai-request.json":     wire.Responses,
	"gemini-request.json":                   wire.Gemini,
	"gemini-router-classifier-request.json": wire.Gemini,
	"openclaw-anthropic-request.json":       wire.Anthropic,
	"openclaw-gemini-request.json":          wire.Gemini,
	"openclaw-request.json":                 wire.OpenAI,
	"openclaw-responses-request.json":       wire.Responses,
	"opencode-anthropic-request.json":       wire.Anthropic,
	"opencode-request.json":                 wire.OpenAI,
	"opencode-responses-request.json":       wire.Responses,
	"opencode-title-request.json":           wire.OpenAI,
}

// TestCLIRequestsEveryUpstream translates every real CLI request to every upstream format. Same format must be
// byte-identical apart from the model; every translation must be valid JSON its own codec reads back, with the
// conversation, the tools and the thinking request still there.
func TestCLIRequestsEveryUpstream(t *testing.T) {
	for name, client := range cliRequests {
		body := fixtures.ReadRequest(t, name)
		for _, up := range wire.Formats {
			t.Run(name+"/"+string(up), func(t *testing.T) {
				out, err := translate.Request(client, up, "target-model", body, true)
				if err != nil {
					t.Fatal(err)
				}
				if client == up {
					checkPassthrough(t, client, body, out)
					return
				}
				back, err := fixtures.Codec(up).DecodeRequest(out)
				if err != nil {
					t.Fatalf("%s cannot read its own request: %v\n%s", up, err, out)
				}
				orig, _ := fixtures.Codec(client).DecodeRequest(body)
				if len(back.Messages) == 0 {
					t.Fatalf("no messages survived:\n%s", out)
				}
				if got, want := countTools(back.Tools), countTools(orig.Tools); got != want {
					t.Errorf("tools: got %d want %d", got, want)
				}
				if orig.Reasoning.Wants() && !back.Reasoning.Wants() {
					t.Errorf("thinking request lost: %+v -> %+v\n%s", orig.Reasoning, back.Reasoning, fixtures.Clip(out))
				}
				if up != wire.Gemini && gjson.GetBytes(out, "model").String() != "target-model" {
					t.Errorf("model not set")
				}
				if bytes.Contains(out, []byte("x-anthropic-billing-header")) {
					t.Errorf("Claude Code's billing header leaked to %s", up)
				}
			})
		}
	}
}

// countTools counts function-like tools (hosted tools of one vendor do not cross).
func countTools[T any](ts []T) int {
	n := 0
	for _, t := range ts {
		if k := gjson.Get(mustJSON(t), "Kind").String(); k == "" || k == "custom" {
			n++
		}
	}
	return n
}

func checkPassthrough(t *testing.T, f wire.Format, in, out []byte) {
	t.Helper()
	if f == wire.Gemini {
		if !bytes.Equal(in, out) {
			t.Fatal("Gemini passthrough changed the body")
		}
		return
	}
	if gjson.GetBytes(out, "model").String() != "target-model" {
		t.Fatalf("model not rewritten")
	}
	// Undo the two allowed edits; everything else must be byte-identical (vendor fields survive).
	restored, _ := sjson.SetBytes(out, "model", gjson.GetBytes(in, "model").String())
	if !gjson.GetBytes(in, "stream").Exists() {
		restored, _ = sjson.DeleteBytes(restored, "stream")
	}
	if f == wire.OpenAI && !gjson.GetBytes(in, "stream_options").Exists() {
		restored, _ = sjson.DeleteBytes(restored, "stream_options")
	}
	if !bytes.Equal(restored, in) {
		t.Fatalf("passthrough changed more than the model")
	}
}

func TestCLIQuirks(t *testing.T) {
	tr := func(t *testing.T, name string, client, up wire.Format) gjson.Result {
		t.Helper()
		out, err := translate.Request(client, up, "m", fixtures.ReadRequest(t, name), true)
		if err != nil {
			t.Fatal(err)
		}
		return gjson.ParseBytes(out)
	}
	t.Run("claude code: system message at the end, adaptive thinking, defer_loading", func(t *testing.T) {
		oa := tr(t, "claude-request.json", wire.Anthropic, wire.OpenAI)
		msgs := oa.Get("messages").Array()
		if msgs[0].Get("role").String() != "system" || !strings.Contains(msgs[len(msgs)-1].Get("content").String(), "# Environment") ||
			msgs[len(msgs)-1].Get("role").String() != "system" {
			t.Errorf("system placement: %v", oa.Get("messages.#.role"))
		}
		if oa.Get("reasoning_effort").String() == "" {
			t.Errorf("adaptive thinking + output_config.effort lost")
		}
		if !oa.Get(`tools.#(function.name=="DeferredToolPlaceholder")`).Exists() {
			t.Errorf("defer_loading tool dropped")
		}
		g := tr(t, "claude-request.json", wire.Anthropic, wire.Gemini)
		if !strings.Contains(g.Get("systemInstruction.parts.0.text").String(), "# Environment") {
			t.Errorf("Gemini system instruction lacks the in-messages system text")
		}
		if g.Get("contents.#").Int() != 1 || g.Get("contents.0.role").String() != "user" {
			t.Errorf("contents: %s", g.Get("contents.#.role"))
		}
		if g.Get("generationConfig.thinkingConfig.includeThoughts").Bool() != true {
			t.Errorf("thinking not asked of Gemini")
		}
		// Same format keeps adaptive thinking, context_management and defer_loading byte for byte.
		a := tr(t, "claude-request.json", wire.Anthropic, wire.Anthropic)
		if a.Get("thinking.type").String() != "adaptive" || !a.Get("context_management").Exists() || !a.Get("tools.#(defer_loading==true)").Exists() {
			t.Errorf("passthrough lost vendor fields")
		}
	})
	t.Run("codex: no instructions, developer items, custom and namespace tools", func(t *testing.T) {
		a := tr(t, "codex-request.json", wire.Responses, wire.Anthropic)
		if a.Get("system.#").Int() == 0 {
			t.Errorf("developer items did not become the system prompt")
		}
		if !a.Get(`tools.#(name=="apply_patch").input_schema.properties.input`).Exists() {
			t.Errorf("custom apply_patch tool not declared: %s", a.Get("tools.#.name"))
		}
		if a.Get(`tools.#(name=="web_search")`).Exists() {
			t.Errorf("hosted web_search leaked to Anthropic")
		}
		if a.Get("thinking.type").String() != "enabled" {
			t.Errorf("reasoning.effort lost: %s", a.Get("thinking"))
		}
		b := tr(t, "codex-builtin-openai-request.json", wire.Responses, wire.OpenAI)
		if b.Get("tools.#").Int() < 2 || !b.Get(`tools.#(function.name=="wait")`).Exists() {
			t.Errorf("namespace tools in additional_tools lost: %s", b.Get("tools.#.function.name"))
		}
		if b.Get("reasoning_effort").String() != "low" {
			t.Errorf("configuration_update effort lost: %q", b.Get("reasoning_effort"))
		}
	})
	t.Run("openclaw: two consecutive user messages, max_completion_tokens", func(t *testing.T) {
		a := tr(t, "openclaw-request.json", wire.OpenAI, wire.Anthropic)
		if a.Get("max_tokens").Int() != 8192 {
			t.Errorf("max_completion_tokens -> max_tokens: %d", a.Get("max_tokens").Int())
		}
		roles := a.Get("messages.#.role").Array()
		for i := 1; i < len(roles); i++ {
			if roles[i].String() == roles[i-1].String() {
				t.Errorf("Anthropic turns do not alternate: %v", roles)
			}
		}
		g := tr(t, "openclaw-request.json", wire.OpenAI, wire.Gemini)
		if g.Get("generationConfig.maxOutputTokens").Int() != 8192 {
			t.Errorf("maxOutputTokens: %s", g.Get("generationConfig"))
		}
		r := tr(t, "openclaw-request.json", wire.OpenAI, wire.Responses)
		if r.Get("max_output_tokens").Int() != 8192 || r.Get(`input.#(role=="user")#`).String() == "[]" {
			t.Errorf("responses: %s", fixtures.Clip([]byte(r.Raw)))
		}
	})
	t.Run("gemini cli: parametersJsonSchema, thinkingLevel, structured output", func(t *testing.T) {
		in := gjson.ParseBytes(fixtures.ReadRequest(t, "gemini-request.json"))
		o := tr(t, "gemini-request.json", wire.Gemini, wire.OpenAI)
		name := in.Get("tools.0.functionDeclarations.0.name").String()
		want := in.Get("tools.0.functionDeclarations.0.parametersJsonSchema").Raw
		if got := o.Get(`tools.#(function.name=="` + name + `").function.parameters`).Raw; fixtures.CanonJSON(got) != fixtures.CanonJSON(want) {
			t.Errorf("parametersJsonSchema not carried:\n got %s\nwant %s", got, want)
		}
		if o.Get("reasoning_effort").String() != "high" {
			t.Errorf("thinkingLevel HIGH -> %q", o.Get("reasoning_effort"))
		}
		for _, up := range []wire.Format{wire.OpenAI, wire.Responses, wire.Anthropic} {
			c := tr(t, "gemini-router-classifier-request.json", wire.Gemini, up)
			var schema string
			switch up {
			case wire.OpenAI:
				schema = c.Get("response_format.json_schema.schema").Raw
			case wire.Responses:
				schema = c.Get("text.format.schema").Raw
			case wire.Anthropic:
				schema = c.Get("system.@reverse.0.text").String()
			}
			if !strings.Contains(schema, "complexity_score") {
				t.Errorf("%s: structured output schema lost: %s", up, fixtures.Clip([]byte(c.Raw)))
			}
		}
	})
	t.Run("gemini cli: thoughtSignature replay reaches Gemini, not others", func(t *testing.T) {
		body := []byte(`{"contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"functionCall":{"name":"ls","args":{}},"thoughtSignature":"c2lnbmF0dXJl"}]},{"role":"user","parts":[{"functionResponse":{"name":"ls","response":{"output":"a.txt"}}}]}]}`)
		g, _ := translate.Request(wire.Gemini, wire.Gemini, "m", body, true)
		if !bytes.Equal(g, body) {
			t.Fatal("Gemini passthrough changed the body")
		}
		a, _ := translate.Request(wire.Gemini, wire.Anthropic, "m", body, true)
		ar := gjson.ParseBytes(a)
		id := ar.Get("messages.1.content.0.id").String()
		if id == "" || ar.Get("messages.2.content.0.tool_use_id").String() != id || bytes.Contains(a, []byte("c2lnbmF0dXJl")) {
			t.Fatalf("call/result pairing or signature leak: %s", a)
		}
		if ar.Get("messages.2.content.0.content.0.text").String() != "a.txt" {
			t.Fatalf("tool result text: %s", a)
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
