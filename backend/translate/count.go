package translate

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
	"github.com/tiktoken-go/tokenizer"

	"github.com/ninerouter/ninerouter/backend/translate/gemini"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// o200k is loaded once on first use (the vocabulary is embedded: no network, docs/translation.md § Token counting).
// github.com/tiktoken-go/tokenizer rather than pkoukk/tiktoken-go: the latter downloads BPE files at run time.
var o200k = sync.OnceValues(func() (tokenizer.Codec, error) { return tokenizer.Get(tokenizer.O200kBase) })

// Per-item overheads of the chat templates, and a flat figure for an image whose size is unknown.
const (
	tokensPerMessage = 4
	tokensPerImage   = 1600
)

// CountTokens estimates the input tokens of a client request offline. Claude's tokenizer is not public, so
// for Anthropic models this is an approximation (as Anthropic's own count is documented to be); it counts
// the system prompt, every message, tool definitions and images, unlike 9Router's chars/4 of message text.
func CountTokens(client wire.Format, body []byte) (int, error) {
	c, ok := codecs[client]
	if !ok {
		return 0, fmt.Errorf("count tokens: unknown format %q", client)
	}
	req, err := c.DecodeRequest(body)
	if err != nil {
		return 0, &InvalidRequestError{Err: err}
	}
	enc, err := o200k()
	if err != nil {
		return 0, fmt.Errorf("count tokens: load tokenizer: %w", err)
	}
	n := 0
	count := func(s string) {
		if s == "" {
			return
		}
		k, _ := enc.Count(s)
		n += k
	}
	var blocks func([]ir.Block)
	blocks = func(bs []ir.Block) {
		for _, b := range bs {
			switch b.Kind {
			case ir.Image:
				n += tokensPerImage
			case ir.ToolUse:
				count(b.ToolName)
				count(string(b.Input))
			case ir.ToolResult:
				count(b.Text)
				blocks(b.Content)
			case ir.RedactedThinking:
			default:
				count(b.Text)
			}
		}
	}
	blocks(req.System)
	for _, m := range req.Messages {
		n += tokensPerMessage
		blocks(m.Blocks)
	}
	for _, t := range req.Tools {
		count(t.Name)
		count(t.Description)
		count(string(t.Schema))
	}
	return n, nil
}

// CountTokensBody is Anthropic's count_tokens answer.
func CountTokensBody(n int) []byte {
	b, _ := json.Marshal(map[string]int{"input_tokens": n})
	return b
}

// NativeCountFormat picks, among the wire formats an upstream speaks, one that has its own token-count call
// (Anthropic's before Gemini's); ok is false when none has.
func NativeCountFormat(formats []wire.Format) (wire.Format, bool) {
	for _, f := range []wire.Format{wire.Anthropic, wire.Gemini} {
		if slices.Contains(formats, f) {
			return f, true
		}
	}
	return "", false
}

// NativeCountRequest builds the body of the upstream's own token-count call for an Anthropic count_tokens
// request, when the upstream has one: Anthropic POST /v1/messages/count_tokens (same body, model set) and
// Gemini POST /v1beta/models/{model}:countTokens ({"generateContentRequest": ...}). ok is false when the
// upstream has no native count (OpenAI, Responses); then use CountTokens.
func NativeCountRequest(upstream wire.Format, model string, anthropicBody []byte) (body []byte, ok bool, err error) {
	switch upstream {
	case wire.Anthropic:
		body, err = sjson.SetBytes(anthropicBody, "model", model)
		return body, err == nil, err
	case wire.Gemini:
		req, err := codecs[wire.Anthropic].DecodeRequest(anthropicBody)
		if err != nil {
			return nil, false, &InvalidRequestError{Err: err}
		}
		ir.FillToolNames(req)
		inner, err := gemini.EncodeRequest(req, model, false)
		if err != nil {
			return nil, false, err
		}
		inner, _ = sjson.SetBytes(inner, "model", "models/"+model)
		body, err = sjson.SetRawBytes([]byte(`{}`), "generateContentRequest", inner)
		return body, err == nil, err
	}
	return nil, false, nil
}

// ParseNativeCount reads the upstream's count answer.
func ParseNativeCount(upstream wire.Format, body []byte) (int, error) {
	var v gjson.Result
	switch upstream {
	case wire.Anthropic:
		v = gjson.GetBytes(body, "input_tokens")
	case wire.Gemini:
		v = gjson.GetBytes(body, "totalTokens")
	}
	if !v.Exists() {
		return 0, fmt.Errorf("count tokens: %s answer has no count", upstream)
	}
	return int(v.Int()), nil
}
