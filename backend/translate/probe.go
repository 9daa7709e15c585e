package translate

import (
	"fmt"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// probeBodies are the smallest valid requests per wire format (one output token where the wire allows it).
var probeBodies = map[wire.Format]string{
	wire.OpenAI:    `{"model":"","messages":[{"role":"user","content":"ping"}],"max_tokens":1}`,
	wire.Responses: `{"model":"","input":"ping","max_output_tokens":16}`,
	wire.Anthropic: `{"model":"","messages":[{"role":"user","content":"ping"}],"max_tokens":1}`,
	wire.Gemini:    `{"contents":[{"role":"user","parts":[{"text":"ping"}]}],"generationConfig":{"maxOutputTokens":1}}`,
}

// ProbeRequest is the smallest valid request body of format f for model: what an account test sends.
func ProbeRequest(f wire.Format, model string) ([]byte, error) {
	body, ok := probeBodies[f]
	if !ok {
		return nil, fmt.Errorf("translate: no probe request for %q", f)
	}
	return Request(f, f, model, []byte(body), false)
}
