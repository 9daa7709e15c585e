package translate_test

import (
	"testing"

	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// benchStreams is one recorded stream per upstream format with thinking and tool calls in it.
var benchStreams = map[wire.Format]string{
	wire.Anthropic: "anthropic/anthropic-think.stream.jsonl",
	wire.OpenAI:    "openai-chat/deepseek-tool-call.chunks.txt",
	wire.Responses: "openai-responses/openai-reasoning-encrypted-content.1.chunks.txt",
	wire.Gemini:    "gemini/googleai-streaming-success-thinking-function-call-thought-summary-signature.txt",
}

// BenchmarkStream replays one stream through every (upstream -> client) pair; allocations per stream are
// reported (passthrough pairs show the sniffing cost alone).
func BenchmarkStream(b *testing.B) {
	streams, _, _ := fixtures.LoadAll(b)
	byName := map[string]fixtures.Fixture{}
	for _, fx := range streams {
		byName[fx.Name] = fx
	}
	for _, up := range wire.Formats {
		fx, ok := byName[benchStreams[up]]
		if !ok {
			b.Fatalf("missing %s", benchStreams[up])
		}
		size := 0
		for _, ev := range fx.Events {
			size += len(ev.Data)
		}
		for _, client := range wire.Formats {
			b.Run(string(up)+"->"+string(client), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(size))
				out := make([]byte, 0, 64<<10)
				for b.Loop() {
					st := translate.NewStream(up, client, "m")
					out = out[:0]
					for _, ev := range fx.Events {
						out, _ = st.Event(out[:0], ev)
					}
					out = st.Finish(out[:0])
				}
			})
		}
	}
}

// BenchmarkRequest translates one real CLI request per client format to every upstream.
func BenchmarkRequest(b *testing.B) {
	reqs := map[wire.Format]string{
		wire.Anthropic: "claude-request.json", wire.Responses: "codex-request.json",
		wire.Gemini: "gemini-request.json", wire.OpenAI: "opencode-request.json",
	}
	for _, client := range wire.Formats {
		body := fixtures.ReadRequest(&testing.T{}, reqs[client])
		for _, up := range wire.Formats {
			b.Run(string(client)+"->"+string(up), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					if _, err := translate.Request(client, up, "m", body, true); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkResponse translates one non-stream body per upstream format to every client.
func BenchmarkResponse(b *testing.B) {
	_, bodies, _ := fixtures.LoadAll(b)
	pick := map[wire.Format]string{
		wire.Anthropic: "anthropic/anthropic-clear-thinking.1.json", wire.OpenAI: "openai-chat/deepseek-tool-call.json",
		wire.Responses: "openai-responses/openai-reasoning-encrypted-content.1.json",
		wire.Gemini:    "gemini/googleai-unary-success-thinking-function-call-thought-summary-signature.json",
	}
	for _, up := range wire.Formats {
		var body []byte
		for _, fx := range bodies {
			if fx.Name == pick[up] {
				body = fx.Body
			}
		}
		if body == nil {
			b.Fatalf("missing %s", pick[up])
		}
		for _, client := range wire.Formats {
			b.Run(string(up)+"->"+string(client), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					if _, _, err := translate.Response(up, client, "m", body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
