package openai

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/translate/internal/jsonx"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Codec is the Chat Completions codec.
var Codec = ir.Codec{
	Format:         wire.OpenAI,
	DecodeRequest:  DecodeRequest,
	EncodeRequest:  EncodeRequest,
	DecodeResponse: DecodeResponse,
	EncodeResponse: EncodeResponse,
	NewDecoder:     func() ir.Decoder { return &decoder{} },
	NewEncoder:     func() ir.Encoder { return &encoder{} },
	SetModel:       SetModel,
	SniffEvent:     SniffEvent,
	SniffBody:      func(b []byte) wire.Usage { return UsageOf(gjson.GetBytes(b, "usage")) },
	StreamError:    StreamError,
	Ends:           func(ev []byte, _ string) bool { return string(ev) == "[DONE]" },
	Close:          func(dst []byte) []byte { return sse.Append(dst, "", []byte("[DONE]")) },
}

// SetModel rewrites `model`; when the router forces a stream it also asks for the usage chunk, without which a
// streamed answer could not be billed (the client ignores a chunk with empty choices).
func SetModel(body []byte, model string, stream bool) ([]byte, error) {
	if err := ir.CheckPassthrough(body, "model", "stream", "stream_options"); err != nil {
		return nil, err
	}
	var err error
	if model != "" && gjson.GetBytes(body, "model").String() != model {
		if body, err = sjson.SetBytes(body, "model", model); err != nil {
			return nil, err
		}
	}
	if stream {
		if !gjson.GetBytes(body, "stream").Bool() {
			if body, err = sjson.SetBytes(body, "stream", true); err != nil {
				return nil, err
			}
		}
		if !gjson.GetBytes(body, "stream_options.include_usage").Exists() {
			body, err = sjson.SetBytes(body, "stream_options.include_usage", true)
		}
	}
	return body, err
}

// UsageOf normalises a Chat Completions usage object.
func UsageOf(u gjson.Result) wire.Usage {
	if !u.Exists() || u.Type == gjson.Null {
		return wire.Usage{}
	}
	cached := u.Get("prompt_tokens_details.cached_tokens").Int()
	out, reasoning := u.Get("completion_tokens").Int(), u.Get("completion_tokens_details.reasoning_tokens").Int()
	if reasoning > out {
		// xAI counts reasoning outside completion_tokens; Usage.Output always includes it.
		out += reasoning
	}
	return wire.Usage{
		Reported:  true,
		Input:     max(0, u.Get("prompt_tokens").Int()-cached),
		CacheRead: cached,
		Output:    out,
		Reasoning: reasoning,
	}
}

// SniffEvent reads usage and in-band errors from one chunk.
func SniffEvent(ev []byte, _ string) (wire.Usage, error) {
	if len(ev) == 0 || ev[0] != '{' {
		return wire.Usage{}, nil
	}
	if err := ir.CheckEvent(ev); err != nil {
		return wire.Usage{}, err
	}
	if e := gjson.GetBytes(ev, "error"); e.Exists() {
		return wire.Usage{}, inBand(ev)
	}
	return UsageOf(gjson.GetBytes(ev, "usage")), nil
}

func inBand(ev []byte) *wire.UpstreamError {
	e := wire.ParseError(0, ev)
	e.InBand = true
	return e
}

func stopOf(s string) ir.Stop {
	switch s {
	case "stop":
		return ir.StopEnd
	case "length":
		return ir.StopMax
	case "tool_calls", "function_call":
		return ir.StopTool
	case "content_filter":
		return ir.StopRefusal
	}
	return ir.StopUndefined
}

func finishReason(s ir.Stop) string {
	switch s {
	case ir.StopMax:
		return "length"
	case ir.StopTool:
		return "tool_calls"
	case ir.StopRefusal:
		return "content_filter"
	}
	return "stop"
}

// DecodeResponse reads a chat.completion body.
func DecodeResponse(body []byte) (*ir.Response, error) {
	if !gjson.ValidBytes(body) {
		return nil, fmt.Errorf("chat completion: body is not JSON")
	}
	root := gjson.ParseBytes(body)
	r := &ir.Response{ID: root.Get("id").String(), Model: root.Get("model").String(), Usage: UsageOf(root.Get("usage"))}
	ch := root.Get("choices.0")
	msg := ch.Get("message")
	if t := msg.Get("reasoning_content").String() + msg.Get("reasoning").String(); t != "" {
		r.Blocks = append(r.Blocks, ir.Block{Kind: ir.Thinking, Text: t})
	}
	if t := msg.Get("content").String(); t != "" {
		r.Blocks = append(r.Blocks, ir.Block{Kind: ir.Text, Text: t})
	}
	if t := msg.Get("refusal").String(); t != "" {
		r.Blocks = append(r.Blocks, ir.Block{Kind: ir.Text, Text: t})
	}
	if fc := msg.Get("function_call"); fc.IsObject() { // legacy functions API
		r.Blocks = append(r.Blocks, ir.Block{Kind: ir.ToolUse, ToolID: "call_" + fc.Get("name").String(),
			ToolName: fc.Get("name").String(), Input: ir.ArgsJSON(fc.Get("arguments").String())})
	}
	msg.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		r.Blocks = append(r.Blocks, ir.Block{Kind: ir.ToolUse, ToolID: tc.Get("id").String(),
			ToolName: tc.Get("function.name").String(), Input: ir.ArgsJSON(tc.Get("function.arguments").String())})
		return true
	})
	r.Stop = stopOf(ch.Get("finish_reason").String())
	return r, nil
}

type respToolCall struct {
	ID       string   `json:"id"`
	Type     string   `json:"type"`
	Function function `json:"function"`
}

type respMessage struct {
	Role             string         `json:"role"`
	Content          *string        `json:"content"`
	ReasoningContent string         `json:"reasoning_content,omitempty"`
	ToolCalls        []respToolCall `json:"tool_calls,omitempty"`
	Refusal          *string        `json:"refusal"`
}

type choice struct {
	Index        int         `json:"index"`
	Message      respMessage `json:"message"`
	FinishReason string      `json:"finish_reason"`
}

type usageOut struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	TotalTokens         int64 `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func usageFor(u wire.Usage) usageOut {
	var o usageOut
	o.PromptTokens = u.Input + u.CacheRead + u.CacheWrite
	o.CompletionTokens = u.Output
	o.TotalTokens = o.PromptTokens + o.CompletionTokens
	o.PromptTokensDetails.CachedTokens = u.CacheRead
	o.CompletionTokensDetails.ReasoningTokens = u.Reasoning
	return o
}

// EncodeResponse writes a chat.completion body.
func EncodeResponse(r *ir.Response) ([]byte, error) {
	msg := respMessage{Role: "assistant"}
	var text string
	for _, b := range r.Blocks {
		switch b.Kind {
		case ir.Text:
			text += b.Text
		case ir.Thinking:
			msg.ReasoningContent += b.Text
		case ir.ToolUse:
			msg.ToolCalls = append(msg.ToolCalls, respToolCall{ID: b.ToolID, Type: "function",
				Function: function{Name: b.ToolName, Arguments: string(ir.ArgsJSON(string(b.Input)))}})
		}
	}
	msg.Content = &text
	id := r.ID
	if id == "" {
		id = "chatcmpl-ninerouter"
	}
	out := struct {
		ID      string   `json:"id"`
		Object  string   `json:"object"`
		Created int64    `json:"created"`
		Model   string   `json:"model"`
		Choices []choice `json:"choices"`
		Usage   usageOut `json:"usage"`
	}{id, "chat.completion", time.Now().Unix(), r.Model,
		[]choice{{Message: msg, FinishReason: finishReason(r.Stop)}}, usageFor(r.Usage)}
	return json.Marshal(out)
}

// StreamError is an in-band error chunk: OpenAI's SDKs raise it as an API error.
func StreamError(dst []byte, e *wire.UpstreamError) []byte {
	return sse.Append(dst, "", wire.ErrorBody(wire.OpenAI, e.Status, e.Type, e.Message))
}

// decoder reads chat.completion.chunk events.
type decoder struct {
	started bool
}

func (d *decoder) Decode(out []ir.Event, ev sse.Event) ([]ir.Event, error) {
	if len(ev.Data) == 0 || ev.Data[0] != '{' {
		if string(ev.Data) == "[DONE]" {
			out = append(out, ir.Event{Kind: ir.EvEnd})
		}
		return out, nil
	}
	if err := ir.CheckEvent(ev.Data); err != nil {
		return out, err
	}
	root := gjson.ParseBytes(ev.Data)
	if root.Get("error").Exists() {
		return out, inBand(ev.Data)
	}
	if !d.started {
		d.started = true
		out = append(out, ir.Event{Kind: ir.EvStart, ID: root.Get("id").String(), Model: root.Get("model").String()})
	}
	// n>1 streams interleave choices; only the first one is translated.
	ch := root.Get(`choices.#(index==0)`)
	if ch.Exists() {
		dl := ch.Get("delta")
		if t := dl.Get("reasoning_content"); t.Exists() && t.String() != "" {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Text: t.String()})
		} else if t := dl.Get("reasoning"); t.Type == gjson.String && t.String() != "" {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Text: t.String()})
		}
		if t := dl.Get("content").String(); t != "" {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Text, Text: t})
		}
		if t := dl.Get("refusal").String(); t != "" {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Text, Text: t})
		}
		dl.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: tc.Get("index").Raw,
				ID: tc.Get("id").String(), ToolName: tc.Get("function.name").String(), Text: tc.Get("function.arguments").String()})
			return true
		})
		if fc := dl.Get("function_call"); fc.IsObject() { // legacy functions API
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: "fn", ID: "call_" + fc.Get("name").String(),
				ToolName: fc.Get("name").String(), Text: fc.Get("arguments").String()})
		}
		if fr := ch.Get("finish_reason").String(); fr != "" {
			out = append(out, ir.Event{Kind: ir.EvStop, Stop: stopOf(fr)})
		}
	}
	if u := UsageOf(root.Get("usage")); u.Reported {
		out = append(out, ir.Event{Kind: ir.EvUsage, Usage: u})
	}
	return out, nil
}

// encoder writes chat.completion.chunk events.
type encoder struct {
	prefix []byte // {"id":..,"object":..,"created":..,"model":..,"choices":
	buf    []byte
	tool   int  // tool_calls index of the open tool block
	args   bool // the open tool block has sent arguments
}

func (e *encoder) Start(dst []byte, id, model string, _ wire.Usage) []byte {
	if id == "" {
		id = "chatcmpl-ninerouter"
	}
	p := append(e.prefix[:0], `{"id":`...)
	p = jsonx.String(p, id)
	p = append(p, `,"object":"chat.completion.chunk","created":`...)
	p = strconv.AppendInt(p, time.Now().Unix(), 10)
	p = append(p, `,"model":`...)
	p = jsonx.String(p, model)
	p = append(p, `,"choices":`...)
	e.prefix = p
	e.tool = -1
	return e.chunk(dst, `{"role":"assistant","content":""}`, "")
}

// chunk writes one chunk whose delta is the given JSON object text.
func (e *encoder) chunk(dst []byte, delta string, finish string) []byte {
	b := append(e.buf[:0], e.prefix...)
	b = append(b, `[{"index":0,"delta":`...)
	b = append(b, delta...)
	b = append(b, `,"finish_reason":`...)
	if finish == "" {
		b = append(b, "null"...)
	} else {
		b = jsonx.String(b, finish)
	}
	b = append(b, "}]}"...)
	e.buf = b
	return sse.Append(dst, "", b)
}

func (e *encoder) textDelta(dst []byte, field, text string) []byte {
	d := append([]byte(`{"`), field...)
	d = append(d, `":`...)
	d = jsonx.String(d, text)
	d = append(d, '}')
	return e.chunk(dst, string(d), "")
}

func (e *encoder) BlockStart(dst []byte, i int, ev *ir.Event) []byte {
	if ev.Block == ir.ToolUse {
		e.tool++
		e.args = false
		d := append([]byte(`{"tool_calls":[{"index":`), strconv.Itoa(e.tool)...)
		d = append(d, `,"id":`...)
		id := ev.ID
		if id == "" {
			id = "call_" + strconv.Itoa(e.tool)
		}
		d = jsonx.String(d, id)
		d = append(d, `,"type":"function","function":{"name":`...)
		d = jsonx.String(d, ev.ToolName)
		d = append(d, `,"arguments":""}}]}`...)
		dst = e.chunk(dst, string(d), "")
	}
	return e.Delta(dst, i, ev)
}

func (e *encoder) Delta(dst []byte, _ int, ev *ir.Event) []byte {
	if ev.Text == "" {
		return dst
	}
	switch ev.Block {
	case ir.Text:
		return e.textDelta(dst, "content", ev.Text)
	case ir.Thinking:
		return e.textDelta(dst, "reasoning_content", ev.Text)
	case ir.ToolUse:
		e.args = true
		return e.argsDelta(dst, ev.Text)
	}
	return dst
}

func (e *encoder) argsDelta(dst []byte, args string) []byte {
	d := append([]byte(`{"tool_calls":[{"index":`), strconv.Itoa(e.tool)...)
	d = append(d, `,"function":{"arguments":`...)
	d = jsonx.String(d, args)
	d = append(d, `}}]}`...)
	return e.chunk(dst, string(d), "")
}

func (e *encoder) BlockStop(dst []byte, _ int) []byte {
	if e.tool >= 0 && !e.args {
		e.args = true
		return e.argsDelta(dst, "{}")
	}
	return dst
}

func (e *encoder) Finish(dst []byte, stop ir.Stop, u wire.Usage) []byte {
	dst = e.chunk(dst, "{}", finishReason(stop))
	if u.Reported {
		uj, _ := json.Marshal(usageFor(u))
		b := append(e.buf[:0], e.prefix...)
		b = append(b, `[],"usage":`...)
		b = append(b, uj...)
		b = append(b, '}')
		e.buf = b
		dst = sse.Append(dst, "", b)
	}
	return sse.Append(dst, "", []byte("[DONE]"))
}
