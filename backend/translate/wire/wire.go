// Package wire holds what every translator shares: the format ids, the normalised usage record, upstream errors,
// client-shaped error bodies and the SSE reader/writer. It imports nothing else of NineRouter's but the leaf
// jsonguard (the depth bound every upstream body passes), so the codecs and the router can all depend on it.
package wire

import (
	"fmt"
	"time"
)

// Format is a wire dialect, on the client side or the upstream side.
type Format string

const (
	OpenAI    Format = "openai"           // OpenAI Chat Completions
	Responses Format = "openai-responses" // OpenAI Responses
	Anthropic Format = "anthropic"        // Anthropic Messages
	Gemini    Format = "gemini"           // Gemini generateContent
)

// Formats lists every format, for tables and tests.
var Formats = []Format{OpenAI, Responses, Anthropic, Gemini}

// Usage is one attempt's token counts exactly as the upstream reported them, normalised to one meaning:
//   - Input: prompt tokens NOT served from cache (Anthropic input_tokens; OpenAI prompt_tokens - cached)
//   - CacheRead / CacheWrite: cached prompt tokens read / written
//   - Output: completion tokens including reasoning (OpenAI completion_tokens, Anthropic output_tokens,
//     Gemini candidates + thoughts)
//   - Reasoning: the part of Output spent thinking, when reported
//
// Reported is false when the upstream sent no usage at all; then every count is zero and nothing is invented.
type Usage struct {
	Input      int64 `json:"input"`
	Output     int64 `json:"output"`
	CacheRead  int64 `json:"cacheRead"`
	CacheWrite int64 `json:"cacheWrite"`
	Reasoning  int64 `json:"reasoning"`
	Reported   bool  `json:"reported"`
}

// Merge keeps the larger of each count: streams report usage piecemeal (Anthropic's message_start and
// message_delta) or cumulatively (Gemini), and the final figure is the maximum seen.
func (u *Usage) Merge(o Usage) {
	if !o.Reported {
		return
	}
	u.Reported = true
	u.Input = max(u.Input, o.Input)
	u.Output = max(u.Output, o.Output)
	u.CacheRead = max(u.CacheRead, o.CacheRead)
	u.CacheWrite = max(u.CacheWrite, o.CacheWrite)
	u.Reasoning = max(u.Reasoning, o.Reasoning)
}

// UpstreamError is a failure the upstream reported: an HTTP status with a body, or an error event inside a 200
// stream (Anthropic `event: error`, Responses `response.failed`, Gemini error objects). The router classifies it.
type UpstreamError struct {
	Status  int    // HTTP status, or the status the in-band error stands for (e.g. 529 for overloaded_error)
	Type    string // vendor error type/code, e.g. "rate_limit_error", "context_length_exceeded"
	Message string
	InBand  bool      // arrived inside a 200 response
	RetryAt time.Time // the upstream's hint of when to try again; zero when it gave none
}

func (e *UpstreamError) Error() string {
	if e.InBand {
		return fmt.Sprintf("upstream in-band error (%d %s): %s", e.Status, e.Type, e.Message)
	}
	return fmt.Sprintf("upstream HTTP %d (%s): %s", e.Status, e.Type, e.Message)
}
