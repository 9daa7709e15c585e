package anthropic

import (
	"encoding/json"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/translate/internal/jsonx"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Codec is the Anthropic Messages codec.
var Codec = ir.Codec{
	Format:         wire.Anthropic,
	DecodeRequest:  DecodeRequest,
	EncodeRequest:  EncodeRequest,
	DecodeResponse: DecodeResponse,
	EncodeResponse: EncodeResponse,
	NewDecoder:     func() ir.Decoder { return &decoder{skip: map[int64]bool{}} },
	NewEncoder:     func() ir.Encoder { return &encoder{} },
	SetModel:       ir.SetModel,
	SniffEvent:     SniffEvent,
	SniffBody:      func(b []byte) wire.Usage { return usageOf(gjson.GetBytes(b, "usage")) },
	StreamError:    StreamError,
	Ends: func(ev []byte, name string) bool {
		return name == "message_stop" || gjson.GetBytes(ev, "type").String() == "message_stop"
	},
	Close: func(dst []byte) []byte { return dst },
}

func usageOf(u gjson.Result) wire.Usage {
	if !u.Exists() {
		return wire.Usage{}
	}
	return wire.Usage{
		Reported:   true,
		Input:      u.Get("input_tokens").Int(),
		Output:     u.Get("output_tokens").Int(),
		CacheRead:  u.Get("cache_read_input_tokens").Int(),
		CacheWrite: u.Get("cache_creation_input_tokens").Int(),
		Reasoning:  u.Get("output_tokens_details.thinking_tokens").Int(),
	}
}

// SniffEvent reads usage and in-band errors from one Anthropic stream event.
func SniffEvent(ev []byte, name string) (wire.Usage, error) {
	if err := ir.CheckEvent(ev); err != nil {
		return wire.Usage{}, err
	}
	typ := gjson.GetBytes(ev, "type").String()
	switch typ {
	case "message_start":
		return usageOf(gjson.GetBytes(ev, "message.usage")), nil
	case "message_delta":
		return usageOf(gjson.GetBytes(ev, "usage")), nil
	case "error":
		return wire.Usage{}, inBand(ev)
	}
	if name == "error" {
		return wire.Usage{}, inBand(ev)
	}
	return wire.Usage{}, nil
}

func inBand(ev []byte) *wire.UpstreamError {
	e := wire.ParseError(0, ev)
	e.InBand = true
	return e
}

func stopOf(s string) ir.Stop {
	switch s {
	case "end_turn":
		return ir.StopEnd
	case "max_tokens", "model_context_window_exceeded":
		return ir.StopMax
	case "tool_use":
		return ir.StopTool
	case "stop_sequence":
		return ir.StopSequence
	case "refusal":
		return ir.StopRefusal
	case "pause_turn":
		return ir.StopPause
	}
	return ir.StopUndefined
}

func stopString(s ir.Stop) string {
	if s == ir.StopUndefined {
		return "end_turn"
	}
	return string(s)
}

type response struct {
	ID           string  `json:"id"`
	Type         string  `json:"type"`
	Role         string  `json:"role"`
	Model        string  `json:"model"`
	Content      []block `json:"content"`
	StopReason   string  `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        usage   `json:"usage"`
}

type usage struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
}

// DecodeResponse reads an Anthropic non-stream body.
func DecodeResponse(body []byte) (*ir.Response, error) {
	var in response
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("anthropic response: %w", err)
	}
	r := &ir.Response{ID: in.ID, Model: in.Model, Blocks: toIR(in.Content), Stop: stopOf(in.StopReason),
		Usage: usageOf(gjson.GetBytes(body, "usage"))}
	for i := range r.Blocks {
		if r.Blocks[i].Kind == ir.Thinking && r.Blocks[i].Signature != "" {
			r.Blocks[i].SigFormat = wire.Anthropic
		}
	}
	return r, nil
}

// EncodeResponse writes an Anthropic non-stream body.
func EncodeResponse(r *ir.Response) ([]byte, error) {
	out := response{ID: r.ID, Type: "message", Role: "assistant", Model: r.Model, StopReason: stopString(r.Stop),
		Usage: usage{InputTokens: r.Usage.Input, OutputTokens: r.Usage.Output,
			CacheReadInputTokens: r.Usage.CacheRead, CacheCreationInputTokens: r.Usage.CacheWrite}}
	if out.ID == "" {
		out.ID = "msg_ninerouter"
	}
	for _, b := range r.Blocks {
		switch b.Kind {
		case ir.Thinking:
			text, sig := b.Text, ir.WrapSig(wire.Anthropic, b.SigFormat, b.Signature)
			out.Content = append(out.Content, block{Type: "thinking", Thinking: &text, Signature: &sig})
		case ir.RedactedThinking:
			out.Content = append(out.Content, block{Type: "redacted_thinking", Data: ir.WrapSig(wire.Anthropic, b.SigFormat, b.Data)})
		case ir.Text:
			out.Content = append(out.Content, block{Type: "text", Text: b.Text})
		case ir.ToolUse:
			out.Content = append(out.Content, block{Type: "tool_use", ID: toolID(b.ToolID), Name: b.ToolName, Input: ir.ArgsJSON(string(b.Input))})
		}
	}
	if out.Content == nil {
		out.Content = []block{}
	}
	return json.Marshal(out)
}

// StreamError is Anthropic's in-band error event.
func StreamError(dst []byte, e *wire.UpstreamError) []byte {
	return sse.Append(dst, "error", wire.ErrorBody(wire.Anthropic, e.Status, e.Type, e.Message))
}

// decoder reads Anthropic stream events.
type decoder struct {
	skip map[int64]bool // server-side tool blocks (web search, code execution, MCP) hidden from other formats
}

func (d *decoder) Decode(out []ir.Event, ev sse.Event) ([]ir.Event, error) {
	if err := ir.CheckEvent(ev.Data); err != nil {
		return out, err
	}
	root := gjson.ParseBytes(ev.Data)
	typ := root.Get("type").String()
	if typ == "" {
		typ = ev.Name
	}
	key := func() string { return root.Get("index").Raw }
	switch typ {
	case "message_start":
		m := root.Get("message")
		out = append(out, ir.Event{Kind: ir.EvStart, ID: m.Get("id").String(), Model: m.Get("model").String(), Usage: usageOf(m.Get("usage"))})
	case "content_block_start":
		cb := root.Get("content_block")
		switch cb.Get("type").String() {
		case "text":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Text, Key: key(), Text: cb.Get("text").String()})
		case "thinking":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Key: key(), Text: cb.Get("thinking").String(),
				Signature: cb.Get("signature").String(), SigFormat: wire.Anthropic})
		case "redacted_thinking":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.RedactedThinking, Key: key(), Text: cb.Get("data").String(), SigFormat: wire.Anthropic})
		case "tool_use":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key(), ID: cb.Get("id").String(), ToolName: cb.Get("name").String()})
		default:
			d.skip[root.Get("index").Int()] = true
		}
	case "content_block_delta":
		if d.skip[root.Get("index").Int()] {
			return out, nil
		}
		dl := root.Get("delta")
		switch dl.Get("type").String() {
		case "text_delta":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Text, Key: key(), Text: dl.Get("text").String()})
		case "thinking_delta":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Key: key(), Text: dl.Get("thinking").String()})
		case "signature_delta":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Key: key(), Signature: dl.Get("signature").String(), SigFormat: wire.Anthropic})
		case "input_json_delta":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key(), Text: dl.Get("partial_json").String()})
		}
	case "content_block_stop":
		if !d.skip[root.Get("index").Int()] {
			out = append(out, ir.Event{Kind: ir.EvBlockEnd})
		}
	case "message_delta":
		out = append(out, ir.Event{Kind: ir.EvStop, Stop: stopOf(root.Get("delta.stop_reason").String())},
			ir.Event{Kind: ir.EvUsage, Usage: usageOf(root.Get("usage"))})
	case "message_stop":
		out = append(out, ir.Event{Kind: ir.EvEnd})
	case "error":
		return out, inBand(ev.Data)
	}
	if typ != "message_stop" && ev.Name == "message_stop" {
		out = append(out, ir.Event{Kind: ir.EvEnd}) // the same test as Codec.Ends
	}
	return out, nil
}

// encoder writes Anthropic stream events.
type encoder struct {
	buf   []byte
	kinds []ir.Kind
}

func (e *encoder) event(dst []byte, name string, body []byte) []byte {
	return sse.Append(dst, name, body)
}

func appendUsage(b []byte, u wire.Usage) []byte {
	b = append(b, `{"input_tokens":`...)
	b = jsonx.Int(b, u.Input)
	b = append(b, `,"cache_creation_input_tokens":`...)
	b = jsonx.Int(b, u.CacheWrite)
	b = append(b, `,"cache_read_input_tokens":`...)
	b = jsonx.Int(b, u.CacheRead)
	b = append(b, `,"output_tokens":`...)
	b = jsonx.Int(b, u.Output)
	return append(b, '}')
}

func (e *encoder) Start(dst []byte, id, model string, u wire.Usage) []byte {
	b := append(e.buf[:0], `{"type":"message_start","message":{"id":`...)
	b = jsonx.String(b, id)
	b = append(b, `,"type":"message","role":"assistant","model":`...)
	b = jsonx.String(b, model)
	b = append(b, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
	b = appendUsage(b, u)
	b = append(b, "}}"...)
	e.buf = b
	return e.event(dst, "message_start", b)
}

func (e *encoder) BlockStart(dst []byte, i int, ev *ir.Event) []byte {
	e.kinds = append(e.kinds, ev.Block)
	b := append(e.buf[:0], `{"type":"content_block_start","index":`...)
	b = jsonx.Int(b, int64(i))
	b = append(b, `,"content_block":`...)
	switch ev.Block {
	case ir.Text:
		b = append(b, `{"type":"text","text":""}}`...)
	case ir.Thinking:
		b = append(b, `{"type":"thinking","thinking":"","signature":""}}`...)
	case ir.RedactedThinking:
		b = append(b, `{"type":"redacted_thinking","data":`...)
		b = jsonx.String(b, ir.WrapSig(wire.Anthropic, ev.SigFormat, ev.Text))
		b = append(b, "}}"...)
		e.buf = b
		return e.event(dst, "content_block_start", b)
	case ir.ToolUse:
		b = append(b, `{"type":"tool_use","id":`...)
		b = jsonx.String(b, toolID(ev.ID))
		b = append(b, `,"name":`...)
		b = jsonx.String(b, ev.ToolName)
		b = append(b, `,"input":{}}}`...)
	}
	e.buf = b
	dst = e.event(dst, "content_block_start", b)
	return e.Delta(dst, i, ev)
}

func (e *encoder) delta(dst []byte, i int, typ, field, val string) []byte {
	b := append(e.buf[:0], `{"type":"content_block_delta","index":`...)
	b = jsonx.Int(b, int64(i))
	b = append(b, `,"delta":{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","`...)
	b = append(b, field...)
	b = append(b, `":`...)
	b = jsonx.String(b, val)
	b = append(b, "}}"...)
	e.buf = b
	return e.event(dst, "content_block_delta", b)
}

func (e *encoder) Delta(dst []byte, i int, ev *ir.Event) []byte {
	switch ev.Block {
	case ir.Text:
		if ev.Text != "" {
			dst = e.delta(dst, i, "text_delta", "text", ev.Text)
		}
	case ir.Thinking:
		if ev.Text != "" {
			dst = e.delta(dst, i, "thinking_delta", "thinking", ev.Text)
		}
		if ev.Signature != "" {
			dst = e.delta(dst, i, "signature_delta", "signature", ir.WrapSig(wire.Anthropic, ev.SigFormat, ev.Signature))
		}
	case ir.ToolUse:
		if ev.Text != "" {
			dst = e.delta(dst, i, "input_json_delta", "partial_json", ev.Text)
		}
	}
	return dst
}

func (e *encoder) BlockStop(dst []byte, i int) []byte {
	b := append(e.buf[:0], `{"type":"content_block_stop","index":`...)
	b = jsonx.Int(b, int64(i))
	b = append(b, '}')
	e.buf = b
	return e.event(dst, "content_block_stop", b)
}

func (e *encoder) Finish(dst []byte, stop ir.Stop, u wire.Usage) []byte {
	b := append(e.buf[:0], `{"type":"message_delta","delta":{"stop_reason":`...)
	b = jsonx.String(b, stopString(stop))
	b = append(b, `,"stop_sequence":null},"usage":`...)
	b = appendUsage(b, u)
	b = append(b, '}')
	dst = e.event(dst, "message_delta", b)
	e.buf = b
	return e.event(dst, "message_stop", []byte(`{"type":"message_stop"}`))
}
