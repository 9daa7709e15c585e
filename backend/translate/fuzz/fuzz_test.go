// Package fuzz holds the translate fuzzers. They live apart from the SDK-based tests so the fuzzing binary
// does not instrument the vendor SDKs: it builds in seconds, which keeps a short CI fuzz run cheap.
package fuzz_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/gemini"
	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/ollama"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

const dir = "../testdata/fixtures"

// maxSeed keeps the largest recordings out of the seed corpus: mutating 100 KB inputs stalls the fuzzing
// engine, and the small recordings cover the same event kinds.
const maxSeed = 16 << 10

// cliRequests are the real CLI requests and the format each was sent in.
var cliRequests = map[string]wire.Format{
	"claude-request.json": wire.Anthropic, "codex-request.json": wire.Responses,
	"codex-builtin-openai-request.json": wire.Responses, "gemini-request.json": wire.Gemini,
	"gemini-router-classifier-request.json": wire.Gemini, "openclaw-anthropic-request.json": wire.Anthropic,
	"openclaw-gemini-request.json": wire.Gemini, "openclaw-request.json": wire.OpenAI,
	"openclaw-responses-request.json": wire.Responses, "opencode-anthropic-request.json": wire.Anthropic,
	"opencode-request.json": wire.OpenAI, "opencode-responses-request.json": wire.Responses,
	"opencode-title-request.json": wire.OpenAI,
}

func formatOf(b uint8) wire.Format { return wire.Formats[int(b)%len(wire.Formats)] }

func formatIndex(f wire.Format) uint8 {
	for i, x := range wire.Formats {
		if x == f {
			return uint8(i)
		}
	}
	return 0
}

// sseText renders events as an SSE body.
func sseText(evs []sse.Event) []byte {
	var b []byte
	for _, ev := range evs {
		b = sse.Append(b, ev.Name, ev.Data)
	}
	return b
}

// FuzzStream feeds arbitrary SSE bodies (seeded with every recorded stream) through the SSE reader and every
// stream translator: no panic, every client frame is well-formed, and the usage row has no negative count.
func FuzzStream(f *testing.F) {
	streams, _, _ := fixtures.Load(f, dir)
	for _, fx := range streams {
		for c := range wire.Formats {
			f.Add(formatIndex(fx.Format), uint8(c), sseText(fx.Events))
		}
	}
	f.Fuzz(func(t *testing.T, up, client uint8, body []byte) {
		st := translate.NewStream(formatOf(up), formatOf(client), "m")
		rd := sse.NewReader(bytes.NewReader(body), 1<<16)
		var out []byte
		for {
			ev, err := rd.Next()
			if err != nil {
				break
			}
			out, err = st.Event(out, ev)
			if err != nil {
				var ue *wire.UpstreamError
				if !errors.As(err, &ue) {
					t.Fatalf("error %T", err)
				}
				out = translate.StreamError(formatOf(client), out, ue)
				break
			}
		}
		out = st.Finish(out)
		if err := usageValid(st.Usage()); err != nil {
			t.Fatal(err)
		}
		if formatOf(up) == formatOf(client) {
			return // passthrough forwards whatever the upstream sent
		}
		rd = sse.NewReader(bytes.NewReader(out), 0)
		for {
			ev, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(ev.Data) != "[DONE]" && !json.Valid(ev.Data) {
				t.Fatalf("invalid JSON event %q", ev.Data)
			}
		}
	})
}

// FuzzFold folds arbitrary streams into each client's JSON.
func FuzzFold(f *testing.F) {
	streams, _, _ := fixtures.Load(f, dir)
	for _, fx := range streams {
		if b := sseText(fx.Events); len(b) <= maxSeed {
			f.Add(formatIndex(fx.Format), uint8(0), b)
		}
	}
	f.Fuzz(func(t *testing.T, up, client uint8, body []byte) {
		fold := translate.NewFold(formatOf(up), formatOf(client), "m")
		rd := sse.NewReader(bytes.NewReader(body), 1<<16)
		for {
			ev, err := rd.Next()
			if err != nil || fold.Event(ev) != nil {
				break
			}
		}
		out, u, err := fold.Result()
		if err != nil || !json.Valid(out) {
			t.Fatalf("fold: %v %q", err, out)
		}
		if err := usageValid(u); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzRequest translates arbitrary request bodies (seeded with the real CLI requests) between every pair: a bad
// body is a 400, and any other goes out as an object naming the routed model, streaming.
func FuzzRequest(f *testing.F) {
	for name, client := range cliRequests {
		body, err := os.ReadFile(filepath.Join(dir, "requests", name))
		if err != nil {
			f.Fatal(err)
		}
		for u := range wire.Formats {
			f.Add(formatIndex(client), uint8(u), body)
		}
	}
	for c := range wire.Formats { // a duplicate key: the upstream reads the last one
		f.Add(uint8(c), uint8(c), []byte(`{"model":"m","stream":true,"messages":[],"model":"x","stream":false}`))
		f.Add(uint8(c), uint8(c), []byte(`[{"model":"m"}]`))
	}
	f.Fuzz(func(t *testing.T, client, up uint8, body []byte) {
		out, err := translate.Request(formatOf(client), formatOf(up), "m", body, true)
		if err != nil {
			var bad *translate.InvalidRequestError
			if !errors.As(err, &bad) {
				t.Fatalf("error %T %v is not an InvalidRequestError (the client would not get a 400)", err, err)
			}
			return
		}
		// Decoded the way the upstream's own JSON reader would (encoding/json: the last of duplicate keys wins),
		// the request is an object for the routed model, streaming.
		var top map[string]json.RawMessage
		if err := json.Unmarshal(out, &top); err != nil {
			t.Fatalf("not a JSON object: %v %q", err, out)
		}
		if formatOf(up) == wire.Gemini {
			return // Gemini names the model and streaming in the URL
		}
		if string(top["model"]) != `"m"` || string(top["stream"]) != "true" {
			t.Fatalf("model %s stream %s, want \"m\" true: %q", top["model"], top["stream"], out)
		}
	})
}

// FuzzResponse translates arbitrary non-stream bodies (seeded with every recorded body) between every pair: the
// client gets a JSON object and the usage row no negative count.
func FuzzResponse(f *testing.F) {
	_, bodies, errs := fixtures.Load(f, dir)
	for _, fx := range append(bodies, errs...) {
		b := fx.Body
		if b == nil {
			b = fx.Error
		}
		if len(b) <= maxSeed {
			f.Add(formatIndex(fx.Format), uint8(1), b)
		}
	}
	f.Add(formatIndex(wire.OpenAI), uint8(2), []byte(`{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":-5,"completion_tokens":-7,"prompt_tokens_details":{"cached_tokens":-9}}}`))
	f.Add(formatIndex(wire.Anthropic), uint8(0), []byte(`{"type":"message","content":[],"usage":{"input_tokens":-5,"output_tokens":-7}}`))
	f.Fuzz(func(t *testing.T, up, client uint8, body []byte) {
		out, u, err := translate.Response(formatOf(up), formatOf(client), "m", body)
		if err != nil {
			return
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(out, &top); err != nil {
			t.Fatalf("not a JSON object: %v %q", err, out)
		}
		if err := usageValid(u); err != nil {
			t.Fatalf("%v from %q", err, body)
		}
	})
}

// usageValid: no count is negative (a usage row, its cost and the budgets it counts against must never shrink
// because an upstream reported a negative or overflowing figure).
func usageValid(u wire.Usage) error {
	if u.Input < 0 || u.Output < 0 || u.CacheRead < 0 || u.CacheWrite < 0 || u.Reasoning < 0 {
		return fmt.Errorf("negative usage %+v", u)
	}
	if !u.Reported && u != (wire.Usage{}) {
		return fmt.Errorf("counts without Reported: %+v", u)
	}
	return nil
}

// FuzzCleanSchema: any input comes out as an object schema of only what Gemini's parameters accept, at every level.
func FuzzCleanSchema(f *testing.F) {
	for _, s := range []string{`{"type":"object","properties":{"a":{"type":["string","null"]},"b":{"anyOf":[{"type":"integer"},{"type":"null"}]}},"required":["a","c"],"additionalProperties":false}`,
		`{"$defs":{"x":{"type":"string","const":"k"}},"type":"object","properties":{"r":{"$ref":"#/$defs/x"}}}`,
		`{"allOf":[{"properties":{"a":{"enum":[1,2,null]}}},{"required":["a"]}]}`, `[]`, `{"items":[{"type":"string"}],"type":"array"}`,
		`true`, `{"type":null,"properties":{"a":null,"b":{"type":5,"items":7}},"required":["a","b"]}`, `{"properties":[1],"items":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, schema []byte) {
		out := gemini.CleanSchema(schema)
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("invalid %q", out)
		}
		if m, ok := v.(map[string]any); !ok || m["type"] == nil {
			t.Fatalf("not an object schema with a type: %s", out)
		}
		if err := geminiSchema(v, 0); err != nil {
			t.Fatalf("%v in %s (from %s)", err, out, schema)
		}
	})
}

// geminiKeywords are the schema keywords Gemini's parameters accept (backend/translate/gemini/schema.go).
var geminiKeywords = map[string]bool{
	"type": true, "format": true, "description": true, "nullable": true, "enum": true, "properties": true,
	"required": true, "items": true, "minItems": true, "maxItems": true, "minimum": true, "maximum": true,
	"title": true, "minLength": true, "maxLength": true, "pattern": true, "propertyOrdering": true,
	"minProperties": true, "maxProperties": true,
}

// geminiSchema checks one cleaned schema node and the nodes under it: only Gemini's keywords, a type that is
// one name, no null in enum, and required naming only declared properties. Below 30 levels CleanSchema stops
// (a bound against hostile nesting), so the check stops there too.
func geminiSchema(v any, depth int) error {
	m, ok := v.(map[string]any)
	if !ok || depth > 30 {
		return nil
	}
	for k := range m {
		if !geminiKeywords[k] {
			return fmt.Errorf("keyword %q at depth %d", k, depth)
		}
	}
	if _, isString := m["type"].(string); m["type"] != nil && !isString {
		return fmt.Errorf("type %v at depth %d is not one name", m["type"], depth)
	}
	for _, k := range []string{"properties", "items"} {
		if _, isObject := m[k].(map[string]any); m[k] != nil && !isObject {
			return fmt.Errorf("%s at depth %d is not an object", k, depth)
		}
	}
	if e, ok := m["enum"].([]any); ok {
		for _, x := range e {
			if _, ok := x.(string); !ok {
				return fmt.Errorf("enum value %v at depth %d is not a string", x, depth)
			}
		}
	}
	props, _ := m["properties"].(map[string]any)
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			if s, _ := r.(string); props[s] == nil {
				return fmt.Errorf("required %v is not a property at depth %d", r, depth)
			}
		}
	}
	for _, p := range props {
		if err := geminiSchema(p, depth+1); err != nil {
			return err
		}
	}
	return geminiSchema(m["items"], depth+1)
}

// FuzzOllamaStream feeds Chat Completions SSE in arbitrary pieces to the Ollama adapter: every line is JSON, and
// the lines are the ones the whole body fed at once gives.
func FuzzOllamaStream(f *testing.F) {
	streams, _, _ := fixtures.Load(f, dir)
	for _, fx := range streams {
		if b := sseText(fx.Events); fx.Format == wire.OpenAI && len(b) <= maxSeed {
			f.Add(b, uint8(7))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, cut uint8) {
		s := ollama.Stream{Model: "m"}
		var out []byte
		step := int(cut)%64 + 1
		for i := 0; i < len(body); i += step {
			out = s.Feed(out, body[i:min(i+step, len(body))])
		}
		out = s.Close(out)
		for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
			if len(line) > 0 && !json.Valid(line) {
				t.Fatalf("invalid line %q", line)
			}
		}
		whole := ollama.Stream{Model: "m"}
		all := whole.Close(whole.Feed(nil, body))
		if a, b := createdAt.ReplaceAll(all, nil), createdAt.ReplaceAll(out, nil); !bytes.Equal(a, b) {
			t.Fatalf("fed whole:\n%s\nfed %d bytes at a time:\n%s", a, step, b)
		}
	})
}

// createdAt is the clock reading in each Ollama line, the one part that differs between two runs.
var createdAt = regexp.MustCompile(`,"created_at":"[^"]*"`)

// FuzzUpstreamError: no upstream error body crashes the one parser that reads them, every one has a message, and
// a non-negative delay hint (Retry-After seconds, retry-after-ms, Codex resets_in_seconds) never lands before now.
func FuzzUpstreamError(f *testing.F) {
	for _, s := range []string{`{"error":{"message":"m","type":"t"}}`, `{"type":"error","error":{"type":"overloaded_error"}}`,
		`{"error":"text"}`, `not json`, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"retryDelay":"1s"}]}}`} {
		f.Add([]byte(s), "", 0.0)
	}
	f.Add([]byte(`{}`), "1e300", 1e300)
	f.Add([]byte(`{}`), "+Inf", 9.3e9)
	f.Fuzz(func(t *testing.T, b []byte, retryAfter string, resetsIn float64) {
		now := time.Now()
		if e := translate.ParseUpstreamError(500, http.Header{}, b, now); e.Message == "" {
			t.Fatal("empty message")
		}
		if secs, err := strconv.ParseFloat(strings.TrimSpace(retryAfter), 64); err == nil && secs >= 0 {
			h := http.Header{"Retry-After": {retryAfter}}
			if e := translate.ParseUpstreamError(429, h, nil, now); e.RetryAt.Before(now) {
				t.Fatalf("Retry-After %q: %v, before now", retryAfter, e.RetryAt)
			}
		}
		if ms, err := strconv.ParseInt(strings.TrimSpace(retryAfter), 10, 64); err == nil && ms >= 0 {
			h := http.Header{"Retry-After-Ms": {retryAfter}}
			if e := translate.ParseUpstreamError(429, h, nil, now); e.RetryAt.Before(now) {
				t.Fatalf("retry-after-ms %q: %v, before now", retryAfter, e.RetryAt)
			}
		}
		if resetsIn > 0 && !math.IsInf(resetsIn, 0) {
			body := []byte(`{"error":{"type":"usage_limit_reached","resets_in_seconds":` + strconv.FormatFloat(resetsIn, 'g', -1, 64) + `}}`)
			if e := translate.ParseUpstreamError(429, http.Header{}, body, now); e.RetryAt.Before(now) {
				t.Fatalf("resets_in_seconds %v: %v, before now", resetsIn, e.RetryAt)
			}
		}
	})
}
