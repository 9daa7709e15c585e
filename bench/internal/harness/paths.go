package harness

import (
	"fmt"
	"net/http"

	"github.com/ninerouter/ninerouter/bench/internal/loadgen"
)

// A path's kind decides which targets apply to it.
const (
	kindDirect      = "direct"
	kindFloor       = "floor"
	kindBare        = "bare"
	kindPassthrough = "passthrough"
	kindTranslation = "translation"
)

// pathSpec is one way to reach the upstream, with the direct path it is compared against.
type pathSpec struct {
	name     string
	kind     string
	baseline string
	req      loadgen.Request
}

const prompt = "Say hello."

func openAIChat(url, model string, stream bool, auth string) loadgen.Request {
	body := fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":%q}],"max_tokens":64,"stream":%t}`, model, prompt, stream)
	if stream {
		// NineRouter asks for the usage chunk on every OpenAI stream; the direct paths ask too, so all paths
		// carry the same events.
		body = body[:len(body)-1] + `,"stream_options":{"include_usage":true}}`
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if auth != "" {
		h.Set("Authorization", "Bearer "+auth)
	}
	return loadgen.Request{URL: url + "/v1/chat/completions", Header: h, Body: []byte(body)}
}

func anthropicMessages(url, model string, stream bool, key string) loadgen.Request {
	body := fmt.Sprintf(`{"model":%q,"max_tokens":64,"messages":[{"role":"user","content":%q}],"stream":%t}`, model, prompt, stream)
	h := http.Header{"Content-Type": {"application/json"}, "Anthropic-Version": {"2023-06-01"}}
	if key != "" {
		h.Set("X-Api-Key", key)
	}
	return loadgen.Request{URL: url + "/v1/messages", Header: h, Body: []byte(body)}
}

func responsesReq(url, model string, stream bool, auth string) loadgen.Request {
	body := fmt.Sprintf(`{"model":%q,"input":%q,"max_output_tokens":64,"stream":%t}`, model, prompt, stream)
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + auth}}
	return loadgen.Request{URL: url + "/v1/responses", Header: h, Body: []byte(body)}
}

func geminiReq(url, model string, stream bool, key string) loadgen.Request {
	body := fmt.Sprintf(`{"contents":[{"role":"user","parts":[{"text":%q}]}],"generationConfig":{"maxOutputTokens":64}}`, prompt)
	u := url + "/v1beta/models/" + model + ":generateContent"
	if stream {
		u = url + "/v1beta/models/" + model + ":streamGenerateContent?alt=sse"
	}
	h := http.Header{"Content-Type": {"application/json"}, "X-Goog-Api-Key": {key}}
	return loadgen.Request{URL: u, Header: h, Body: []byte(body)}
}

// laneAPaths are the non-streaming paths: the floors in front of the zero-delay mock, NineRouter passthrough
// and each translation pair of the benchmark issue.
func (w *world) laneAPaths() []pathSpec {
	nr := "http://" + w.nr.addr
	k := w.nr.key
	return []pathSpec{
		{"direct (OpenAI chat)", kindDirect, "", openAIChat("http://"+w.mockZero, "gpt-bench", false, "")},
		{"TCP relay (floor)", kindFloor, "direct (OpenAI chat)", openAIChat("http://"+w.relayZero, "gpt-bench", false, "")},
		{"bare ReverseProxy", kindBare, "direct (OpenAI chat)", openAIChat("http://"+w.bareZero, "gpt-bench", false, "")},
		{"NineRouter passthrough OpenAI→OpenAI", kindPassthrough, "direct (OpenAI chat)", openAIChat(nr, "mock/gpt-bench", false, k)},
		{"NineRouter Anthropic→OpenAI", kindTranslation, "direct (OpenAI chat)", anthropicMessages(nr, "mock/gpt-bench", false, k)},
		{"NineRouter Responses→Chat", kindTranslation, "direct (OpenAI chat)", responsesReq(nr, "mock/gpt-bench", false, k)},
		{"NineRouter Gemini→OpenAI", kindTranslation, "direct (OpenAI chat)", geminiReq(nr, "bench-gemini", false, k)},
		{"direct (Anthropic messages)", kindDirect, "", anthropicMessages("http://"+w.mockZero, "claude-bench", false, "")},
		{"NineRouter OpenAI→Anthropic", kindTranslation, "direct (Anthropic messages)", openAIChat(nr, "mocka/claude-bench", false, k)},
	}
}

// streamPaths are the streaming paths in front of one mock listener (paced or burst).
func (w *world) streamPaths(mock, relay, bare, prefix string) []pathSpec {
	nr := "http://" + w.nr.addr
	k := w.nr.key
	return []pathSpec{
		{"direct", kindDirect, "", openAIChat("http://"+mock, "gpt-bench", true, "")},
		{"TCP relay (floor)", kindFloor, "direct", openAIChat("http://"+relay, "gpt-bench", true, "")},
		{"bare ReverseProxy", kindBare, "direct", openAIChat("http://"+bare, "gpt-bench", true, "")},
		{"NineRouter passthrough OpenAI→OpenAI", kindPassthrough, "direct", openAIChat(nr, prefix+"/gpt-bench", true, k)},
		{"NineRouter Anthropic→OpenAI", kindTranslation, "direct", anthropicMessages(nr, prefix+"/gpt-bench", true, k)},
	}
}
