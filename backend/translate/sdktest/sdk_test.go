// Package sdktest checks translations against the vendors' official SDKs (openai-go, anthropic-sdk-go, genai):
// every recorded stream and body, translated into each client format, must parse with that client's SDK and
// keep the answer. It lives apart from backend/translate's own tests so that fuzzing, vetting and race-testing
// translate do not compile the SDKs.
package sdktest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go"
	anthssestream "github.com/anthropics/anthropic-sdk-go/packages/ssestream"
	"github.com/openai/openai-go/v3"
	oaissestream "github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/responses"
	"github.com/tidwall/gjson"
	"google.golang.org/genai"

	"github.com/ninerouter/ninerouter/backend/translate/internal/fixtures"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// summary is what must survive any translation: the answer text, the thinking text, every tool call with its
// arguments, the stop reason and the usage.
type summary struct {
	Text     string
	Thinking string
	Tools    []toolSummary
	Stop     ir.Stop
	Usage    wire.Usage
	partial  geminiPartial // Vertex streamed call being assembled (Gemini parsing only)
	pname    string
}

type geminiPartial = map[string]string

type toolSummary struct {
	Name string
	Args string // canonical JSON
}

func summarize(r *ir.Response) summary {
	var s summary
	for _, b := range r.Blocks {
		switch b.Kind {
		case ir.Text:
			s.Text += b.Text
		case ir.Thinking:
			s.Thinking += b.Text
		case ir.ToolUse:
			s.Tools = append(s.Tools, toolSummary{b.ToolName, canonJSON(string(b.Input))})
		}
	}
	s.Stop, s.Usage = r.Stop, r.Usage
	return s
}

func sseResponse(b []byte) *http.Response {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: io.NopCloser(bytes.NewReader(b))}
}

// parseOpenAIStream parses a Chat Completions stream with openai-go's own SSE decoder and accumulator.
func parseOpenAIStream(b []byte) (summary, error) {
	st := oaissestream.NewStream[openai.ChatCompletionChunk](oaissestream.NewDecoder(sseResponse(b)), nil)
	var acc openai.ChatCompletionAccumulator
	var s summary
	for st.Next() {
		ch := st.Current()
		if !acc.AddChunk(ch) {
			return s, fmt.Errorf("accumulator rejected chunk %s", ch.RawJSON())
		}
		s.Thinking += gjson.Get(ch.RawJSON(), "choices.0.delta.reasoning_content").String()
	}
	if err := st.Err(); err != nil {
		return s, err
	}
	if len(acc.Choices) < 1 {
		return s, fmt.Errorf("no choices")
	}
	c := acc.Choices[0] // n>1 streams (passthrough only): the first choice is what translation carries
	s.Text = c.Message.Content
	for _, tc := range c.Message.ToolCalls {
		if tc.ID == "" {
			return s, fmt.Errorf("tool call without id")
		}
		s.Tools = append(s.Tools, toolSummary{tc.Function.Name, canonJSON(tc.Function.Arguments)})
	}
	switch c.FinishReason {
	case "stop":
		s.Stop = ir.StopEnd
	case "length":
		s.Stop = ir.StopMax
	case "tool_calls":
		s.Stop = ir.StopTool
	case "content_filter":
		s.Stop = ir.StopRefusal
	default:
		return s, fmt.Errorf("finish_reason %q", c.FinishReason)
	}
	u := acc.Usage
	if u.PromptTokens+u.CompletionTokens > 0 {
		s.Usage = wire.Usage{Reported: true, Input: u.PromptTokens - u.PromptTokensDetails.CachedTokens, CacheRead: u.PromptTokensDetails.CachedTokens,
			Output: u.CompletionTokens, Reasoning: u.CompletionTokensDetails.ReasoningTokens}
	}
	return s, nil
}

// parseAnthropicStream parses a Messages stream with anthropic-sdk-go's SSE decoder and Message.Accumulate.
func parseAnthropicStream(b []byte) (summary, error) {
	st := anthssestream.NewStream[anthropic.MessageStreamEventUnion](anthssestream.NewDecoder(sseResponse(b)), nil)
	var msg anthropic.Message
	var s summary
	stopped := false
	for st.Next() {
		ev := st.Current()
		if err := msg.Accumulate(ev); err != nil {
			return s, err
		}
		if ev.Type == "message_stop" {
			stopped = true
		}
	}
	if err := st.Err(); err != nil {
		return s, err
	}
	if !stopped {
		return s, fmt.Errorf("no message_stop")
	}
	for _, c := range msg.Content {
		switch c.Type {
		case "text":
			s.Text += c.Text
		case "thinking":
			s.Thinking += c.Thinking
		case "tool_use":
			if c.ID == "" {
				return s, fmt.Errorf("tool_use without id")
			}
			s.Tools = append(s.Tools, toolSummary{c.Name, canonJSON(string(c.Input))})
		}
	}
	s.Stop = ir.Stop(msg.StopReason)
	u := msg.Usage
	s.Usage = wire.Usage{Reported: true, Input: u.InputTokens, CacheRead: u.CacheReadInputTokens, CacheWrite: u.CacheCreationInputTokens, Output: u.OutputTokens}
	return s, nil
}

// parseResponsesStream parses a Responses stream with openai-go's decoder; the summary comes from the final
// response object, and the deltas must agree with it.
func parseResponsesStream(b []byte) (summary, error) {
	st := oaissestream.NewStream[responses.ResponseStreamEventUnion](oaissestream.NewDecoder(sseResponse(b)), nil)
	var s summary
	var final *responses.Response
	var deltas strings.Builder
	seq := int64(-1)
	for st.Next() {
		ev := st.Current()
		if ev.SequenceNumber <= seq {
			return s, fmt.Errorf("sequence_number %d after %d", ev.SequenceNumber, seq)
		}
		seq = ev.SequenceNumber
		switch ev.Type {
		case "response.output_text.done":
			deltas.WriteString(ev.Text)
		case "response.completed", "response.incomplete":
			r := ev.Response
			final = &r
		case "error", "response.failed":
			return s, fmt.Errorf("error event %s", ev.RawJSON())
		}
	}
	if err := st.Err(); err != nil {
		return s, err
	}
	if final == nil {
		return s, fmt.Errorf("no response.completed")
	}
	s = summarizeResponses(final)
	if deltas.String() != s.Text {
		return s, fmt.Errorf("output_text.done texts %q disagree with final text %q", deltas.String(), s.Text)
	}
	return s, nil
}

func summarizeResponses(r *responses.Response) summary {
	var s summary
	for _, it := range r.Output {
		switch it.Type {
		case "message":
			for _, c := range it.Content {
				s.Text += c.Text
			}
		case "reasoning":
			for _, sm := range it.Summary {
				s.Thinking += sm.Text
			}
		case "function_call":
			s.Tools = append(s.Tools, toolSummary{it.Name, canonJSON(it.Arguments.OfString)})
		case "custom_tool_call":
			args, _ := json.Marshal(map[string]string{"input": it.Input})
			s.Tools = append(s.Tools, toolSummary{it.Name, canonJSON(string(args))})
		}
	}
	switch {
	case r.Status == "incomplete" && r.IncompleteDetails.Reason == "content_filter":
		s.Stop = ir.StopRefusal
	case r.Status == "incomplete":
		s.Stop = ir.StopMax
	case len(s.Tools) > 0:
		s.Stop = ir.StopTool
	default:
		s.Stop = ir.StopEnd
	}
	u := r.Usage
	if u.InputTokens+u.OutputTokens > 0 {
		s.Usage = wire.Usage{Reported: true, Input: u.InputTokens - u.InputTokensDetails.CachedTokens, CacheRead: u.InputTokensDetails.CachedTokens,
			Output: u.OutputTokens, Reasoning: u.OutputTokensDetails.ReasoningTokens}
	}
	return s
}

// parseGeminiStream parses each chunk into genai.GenerateContentResponse, as the genai SDK does per event.
func parseGeminiStream(b []byte) (summary, error) {
	var s summary
	s.partial = map[string]string{}
	evs := fixtures.ReadSSE(nil, b)
	if len(evs) == 0 {
		return s, fmt.Errorf("no chunks")
	}
	for _, ev := range evs {
		if gjson.GetBytes(ev.Data, "error").Exists() {
			return s, fmt.Errorf("error chunk %s", ev.Data)
		}
		if string(ev.Data) == "[DONE]" {
			return s, fmt.Errorf("gemini stream must not end with [DONE]")
		}
		var r genai.GenerateContentResponse
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return s, fmt.Errorf("genai chunk %s: %w", ev.Data, err)
		}
		addGemini(&s, &r)
	}
	return s, nil
}

func addGemini(s *summary, r *genai.GenerateContentResponse) {
	for _, c := range r.Candidates {
		if c.Content != nil {
			for _, p := range c.Content.Parts {
				switch {
				case p.FunctionCall != nil && (p.FunctionCall.WillContinue != nil || len(p.FunctionCall.PartialArgs) > 0 || s.pname != "" && p.FunctionCall.Name == ""):
					// Vertex streams arguments: a named header, partialArgs fragments, then a bare terminator.
					fc := p.FunctionCall
					if fc.Name != "" {
						s.pname = fc.Name
						clear(s.partial)
					}
					for _, a := range fc.PartialArgs {
						s.partial[strings.TrimPrefix(a.JsonPath, "$.")] += a.StringValue
					}
					if fc.WillContinue == nil || !*fc.WillContinue {
						args, _ := json.Marshal(s.partial)
						s.Tools = append(s.Tools, toolSummary{s.pname, canonJSON(string(args))})
						s.pname = ""
					}
				case p.FunctionCall != nil:
					args, _ := json.Marshal(p.FunctionCall.Args)
					if p.FunctionCall.Args == nil {
						args = []byte("{}")
					}
					s.Tools = append(s.Tools, toolSummary{p.FunctionCall.Name, canonJSON(string(args))})
				case p.Thought:
					s.Thinking += p.Text
				case p.InlineData != nil:
					s.Text += "![image](data:" + p.InlineData.MIMEType + ";base64," + base64.StdEncoding.EncodeToString(p.InlineData.Data) + ")"
				default:
					s.Text += p.Text
				}
			}
		}
		switch c.FinishReason {
		case "":
		case genai.FinishReasonStop:
			s.Stop = ir.StopEnd
			if len(s.Tools) > 0 {
				s.Stop = ir.StopTool
			}
		case genai.FinishReasonMaxTokens:
			s.Stop = ir.StopMax
		default:
			s.Stop = ir.StopRefusal
		}
	}
	if r.PromptFeedback != nil && r.PromptFeedback.BlockReason != "" {
		s.Stop = ir.StopRefusal
	}
	if u := r.UsageMetadata; u != nil {
		s.Usage = wire.Usage{Reported: true, Input: int64(u.PromptTokenCount - u.CachedContentTokenCount), CacheRead: int64(u.CachedContentTokenCount),
			Output: int64(u.CandidatesTokenCount + u.ThoughtsTokenCount), Reasoning: int64(u.ThoughtsTokenCount)}
	}
}

var streamParsers = map[wire.Format]func([]byte) (summary, error){
	wire.OpenAI:    parseOpenAIStream,
	wire.Anthropic: parseAnthropicStream,
	wire.Responses: parseResponsesStream,
	wire.Gemini:    parseGeminiStream,
}

// parseBody parses a non-stream body with the client format's SDK type.
func parseBody(f wire.Format, b []byte) (summary, error) {
	switch f {
	case wire.OpenAI:
		var c openai.ChatCompletion
		if err := json.Unmarshal(b, &c); err != nil {
			return summary{}, err
		}
		var s summary
		if len(c.Choices) < 1 {
			return s, fmt.Errorf("no choices")
		}
		m := c.Choices[0].Message
		s.Text = m.Content + m.Refusal
		s.Thinking = gjson.Get(m.RawJSON(), "reasoning_content").String()
		//lint:ignore SA1019 the legacy functions API is still translated, so its deprecated field is read on purpose
		fc := m.FunctionCall
		if fc.Name != "" { // legacy functions API
			s.Tools = append(s.Tools, toolSummary{fc.Name, canonJSON(fc.Arguments)})
		}
		for _, tc := range m.ToolCalls {
			s.Tools = append(s.Tools, toolSummary{tc.Function.Name, canonJSON(tc.Function.Arguments)})
		}
		s.Stop = map[string]ir.Stop{"stop": ir.StopEnd, "length": ir.StopMax, "tool_calls": ir.StopTool, "function_call": ir.StopTool, "content_filter": ir.StopRefusal}[c.Choices[0].FinishReason]
		u := c.Usage
		s.Usage = wire.Usage{Reported: true, Input: u.PromptTokens - u.PromptTokensDetails.CachedTokens, CacheRead: u.PromptTokensDetails.CachedTokens,
			Output: u.CompletionTokens, Reasoning: u.CompletionTokensDetails.ReasoningTokens}
		return s, nil
	case wire.Anthropic:
		var m anthropic.Message
		if err := json.Unmarshal(b, &m); err != nil {
			return summary{}, err
		}
		var s summary
		for _, c := range m.Content {
			switch c.Type {
			case "text":
				s.Text += c.Text
			case "thinking":
				s.Thinking += c.Thinking
			case "tool_use":
				s.Tools = append(s.Tools, toolSummary{c.Name, canonJSON(string(c.Input))})
			}
		}
		s.Stop = ir.Stop(m.StopReason)
		u := m.Usage
		s.Usage = wire.Usage{Reported: true, Input: u.InputTokens, CacheRead: u.CacheReadInputTokens, CacheWrite: u.CacheCreationInputTokens, Output: u.OutputTokens}
		return s, nil
	case wire.Responses:
		var r responses.Response
		if err := json.Unmarshal(b, &r); err != nil {
			return summary{}, err
		}
		return summarizeResponses(&r), nil
	case wire.Gemini:
		var r genai.GenerateContentResponse
		if err := json.Unmarshal(b, &r); err != nil {
			return summary{}, err
		}
		var s summary
		addGemini(&s, &r)
		return s, nil
	}
	return summary{}, fmt.Errorf("unknown format %s", f)
}
