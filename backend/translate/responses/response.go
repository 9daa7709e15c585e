package responses

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/translate/internal/jsonx"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Codec is the Responses codec.
var Codec = ir.Codec{
	Format:         wire.Responses,
	DecodeRequest:  DecodeRequest,
	EncodeRequest:  EncodeRequest,
	DecodeResponse: DecodeResponse,
	EncodeResponse: EncodeResponse,
	NewDecoder:     func() ir.Decoder { return &decoder{} },
	NewEncoder:     func() ir.Encoder { return &encoder{} },
	SetModel:       ir.SetModel,
	SniffEvent:     SniffEvent,
	SniffBody:      func(b []byte) wire.Usage { return UsageOf(gjson.GetBytes(b, "usage")) },
	StreamError:    StreamError,
	Ends: func(ev []byte, name string) bool {
		t := gjson.GetBytes(ev, "type").String()
		if t == "" {
			t = name
		}
		return t == "response.completed" || t == "response.incomplete" || t == "response.failed"
	},
	Close: func(dst []byte) []byte { return dst },
}

// UsageOf normalises a Responses usage object.
func UsageOf(u gjson.Result) wire.Usage {
	if !u.Exists() || u.Type == gjson.Null {
		return wire.Usage{}
	}
	cached := u.Get("input_tokens_details.cached_tokens").Int()
	return wire.Usage{Reported: true, Input: max(0, u.Get("input_tokens").Int()-cached), CacheRead: cached,
		Output: u.Get("output_tokens").Int(), Reasoning: u.Get("output_tokens_details.reasoning_tokens").Int()}
}

// SniffEvent reads usage and in-band errors (error, response.failed) from one event.
func SniffEvent(ev []byte, name string) (wire.Usage, error) {
	if err := ir.CheckEvent(ev); err != nil {
		return wire.Usage{}, err
	}
	t := gjson.GetBytes(ev, "type").String()
	if t == "" {
		t = name
	}
	switch t {
	case "response.completed", "response.incomplete":
		return UsageOf(gjson.GetBytes(ev, "response.usage")), nil
	case "response.failed":
		return UsageOf(gjson.GetBytes(ev, "response.usage")), failed(ev)
	case "error":
		return wire.Usage{}, errorEvent(ev)
	}
	return wire.Usage{}, nil
}

func failed(ev []byte) *wire.UpstreamError {
	e := gjson.GetBytes(ev, "response.error")
	typ := e.Get("code").String()
	return &wire.UpstreamError{Status: wire.StatusForType(typ), Type: typ, Message: e.Get("message").String(), InBand: true}
}

func errorEvent(ev []byte) *wire.UpstreamError {
	root := gjson.ParseBytes(ev)
	typ := root.Get("code").String()
	msg := root.Get("message").String()
	if e := root.Get("error"); e.IsObject() {
		typ = firstNonEmpty(e.Get("code").String(), e.Get("type").String())
		msg = e.Get("message").String()
	}
	return &wire.UpstreamError{Status: wire.StatusForType(typ), Type: typ, Message: msg, InBand: true}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// StreamError is a Responses `error` event.
func StreamError(dst []byte, e *wire.UpstreamError) []byte {
	b := []byte(`{"type":"error","code":`)
	b = jsonx.String(b, firstNonEmpty(e.Type, wire.TypeForStatus(e.Status)))
	b = append(b, `,"message":`...)
	b = jsonx.String(b, e.Message)
	b = append(b, `,"param":null,"sequence_number":0}`...)
	return sse.Append(dst, "error", b)
}

func stopOfStatus(resp gjson.Result) ir.Stop {
	switch resp.Get("status").String() {
	case "incomplete":
		if resp.Get("incomplete_details.reason").String() == "content_filter" {
			return ir.StopRefusal
		}
		return ir.StopMax
	case "completed":
		return ir.StopEnd
	}
	return ir.StopUndefined
}

// itemBlocks reads one output item.
func itemBlocks(it gjson.Result) []ir.Block {
	switch it.Get("type").String() {
	case "message":
		var out []ir.Block
		it.Get("content").ForEach(func(_, c gjson.Result) bool {
			switch c.Get("type").String() {
			case "output_text":
				out = append(out, ir.Block{Kind: ir.Text, Text: c.Get("text").String()})
			case "refusal":
				out = append(out, ir.Block{Kind: ir.Text, Text: c.Get("refusal").String()})
			}
			return true
		})
		return out
	case "function_call":
		return []ir.Block{{Kind: ir.ToolUse, ToolID: it.Get("call_id").String(), ToolName: it.Get("name").String(),
			Input: ir.ArgsJSON(it.Get("arguments").String())}}
	case "custom_tool_call":
		in, _ := json.Marshal(map[string]string{"input": it.Get("input").String()})
		return []ir.Block{{Kind: ir.ToolUse, ToolID: it.Get("call_id").String(), ToolName: it.Get("name").String(), Input: in, ToolKind: "custom"}}
	case "reasoning":
		text := ""
		it.Get("summary").ForEach(func(_, s gjson.Result) bool {
			if text != "" {
				text += "\n\n"
			}
			text += s.Get("text").String()
			return true
		})
		return []ir.Block{{Kind: ir.Thinking, Text: text, Signature: it.Get("encrypted_content").String(), SigFormat: wire.Responses, ItemID: it.Get("id").String()}}
	}
	return nil
}

// DecodeResponse reads a Responses body (also the `response` of a response.completed event).
func DecodeResponse(body []byte) (*ir.Response, error) {
	if !gjson.ValidBytes(body) {
		return nil, fmt.Errorf("responses: body is not JSON")
	}
	root := gjson.ParseBytes(body)
	if root.Get("response").IsObject() {
		root = root.Get("response")
	}
	r := &ir.Response{ID: root.Get("id").String(), Model: root.Get("model").String(), Usage: UsageOf(root.Get("usage")), Stop: stopOfStatus(root)}
	tools := false
	root.Get("output").ForEach(func(_, it gjson.Result) bool {
		bs := itemBlocks(it)
		for _, b := range bs {
			tools = tools || b.Kind == ir.ToolUse
		}
		r.Blocks = append(r.Blocks, bs...)
		return true
	})
	if tools && r.Stop == ir.StopEnd {
		r.Stop = ir.StopTool
	}
	return r, nil
}

type outContent struct {
	Type        string        `json:"type"`
	Text        string        `json:"text"`
	Annotations []interface{} `json:"annotations"`
}

type outItem struct {
	Type             string       `json:"type"`
	ID               string       `json:"id"`
	Status           string       `json:"status,omitempty"`
	Role             string       `json:"role,omitempty"`
	Content          []outContent `json:"content,omitempty"`
	CallID           string       `json:"call_id,omitempty"`
	Name             string       `json:"name,omitempty"`
	Arguments        *string      `json:"arguments,omitempty"`
	Input            *string      `json:"input,omitempty"`
	Summary          *[]summary   `json:"summary,omitempty"`
	EncryptedContent string       `json:"encrypted_content,omitempty"`
}

type usageOut struct {
	InputTokens        int64 `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int64 `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int64 `json:"total_tokens"`
}

func usageFor(u wire.Usage) usageOut {
	var o usageOut
	o.InputTokens = u.Input + u.CacheRead + u.CacheWrite
	o.InputTokensDetails.CachedTokens = u.CacheRead
	o.OutputTokens = u.Output
	o.OutputTokensDetails.ReasoningTokens = u.Reasoning
	o.TotalTokens = o.InputTokens + o.OutputTokens
	return o
}

func itemFor(b ir.Block, id string) outItem {
	switch b.Kind {
	case ir.Thinking, ir.RedactedThinking:
		s := []summary{}
		if b.Text != "" {
			s = append(s, summary{Type: "summary_text", Text: b.Text})
		}
		sig, from := b.Signature, b.SigFormat
		if b.Kind == ir.RedactedThinking {
			sig, from = b.Data, ir.Redacted(b.SigFormat)
		}
		return outItem{Type: "reasoning", ID: "rs_" + id, Summary: &s, EncryptedContent: ir.WrapSig(wire.Responses, from, sig)}
	case ir.ToolUse:
		if in, ok := ir.CustomInput(b.Input); ok {
			return outItem{Type: "custom_tool_call", ID: "ctc_" + id, Status: "completed", CallID: b.ToolID, Name: b.ToolName, Input: &in}
		}
		args := string(ir.ArgsJSON(string(b.Input)))
		return outItem{Type: "function_call", ID: "fc_" + id, Status: "completed", CallID: b.ToolID, Name: b.ToolName, Arguments: &args}
	default:
		return outItem{Type: "message", ID: "msg_" + id, Status: "completed", Role: "assistant",
			Content: []outContent{{Type: "output_text", Text: b.Text, Annotations: []interface{}{}}}}
	}
}

// EncodeResponse writes a Responses body.
func EncodeResponse(r *ir.Response) ([]byte, error) {
	id := r.ID
	if id == "" {
		id = "resp_ninerouter"
	}
	var items []outItem
	for i, b := range r.Blocks {
		if b.Kind == ir.Text && len(items) > 0 && items[len(items)-1].Type == "message" {
			items[len(items)-1].Content[0].Text += b.Text
			continue
		}
		if b.Kind == ir.Image || b.Kind == ir.ToolResult {
			continue
		}
		items = append(items, itemFor(b, strconv.Itoa(i)+"_"+id))
	}
	if items == nil {
		items = []outItem{}
	}
	status := "completed"
	var incomplete any
	switch r.Stop {
	case ir.StopMax:
		status, incomplete = "incomplete", map[string]string{"reason": "max_output_tokens"}
	case ir.StopRefusal:
		status, incomplete = "incomplete", map[string]string{"reason": "content_filter"}
	}
	out := map[string]any{
		"id": id, "object": "response", "created_at": time.Now().Unix(), "status": status, "model": r.Model,
		"output": items, "usage": usageFor(r.Usage), "incomplete_details": incomplete, "error": nil,
		"parallel_tool_calls": true, "tool_choice": "auto", "tools": []any{},
	}
	return json.Marshal(out)
}

// decoder reads Responses stream events.
type decoder struct {
	sawReasoningText map[int64]bool
	textLen          int // bytes of output text seen for the open content part
}

func (d *decoder) Decode(out []ir.Event, ev sse.Event) ([]ir.Event, error) {
	if err := ir.CheckEvent(ev.Data); err != nil {
		return out, err
	}
	root := gjson.ParseBytes(ev.Data)
	t := root.Get("type").String()
	if t == "" {
		t = ev.Name
	}
	key := root.Get("output_index").Raw
	switch t {
	case "response.created":
		resp := root.Get("response")
		out = append(out, ir.Event{Kind: ir.EvStart, ID: resp.Get("id").String(), Model: resp.Get("model").String()})
	case "response.output_item.added":
		it := root.Get("item")
		switch it.Get("type").String() {
		case "function_call", "custom_tool_call":
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key, ID: it.Get("call_id").String(), ToolName: it.Get("name").String()})
		}
	case "response.output_text.delta", "response.refusal.delta":
		delta := root.Get("delta").String()
		d.textLen += len(delta)
		out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Text, Key: key, Text: delta})
	case "response.output_text.done":
		// The done event repeats the whole text; if deltas were lost, send what is missing (only a length
		// is kept, never the text).
		if full := root.Get("text").String(); len(full) > d.textLen {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Text, Key: key, Text: full[d.textLen:]})
		}
		d.textLen = 0
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		if d.sawReasoningText == nil {
			d.sawReasoningText = map[int64]bool{}
		}
		d.sawReasoningText[root.Get("output_index").Int()] = true
		out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Key: key, ID: root.Get("item_id").String(), Text: root.Get("delta").String()})
	case "response.reasoning_summary_part.added":
		if root.Get("summary_index").Int() > 0 {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Key: key, ID: root.Get("item_id").String(), Text: "\n\n"})
		}
	case "response.function_call_arguments.delta":
		out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key, Text: root.Get("delta").String()})
	case "response.output_item.done":
		it := root.Get("item")
		switch it.Get("type").String() {
		case "reasoning":
			// The encrypted reasoning arrives whole here; it is the block's signature. A reasoning item with
			// neither summary nor encryption is nothing to show.
			if enc := it.Get("encrypted_content").String(); enc != "" || d.sawReasoningText[root.Get("output_index").Int()] {
				out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Thinking, Key: key, ID: it.Get("id").String(), Signature: enc, SigFormat: wire.Responses})
			}
		case "custom_tool_call":
			in, _ := json.Marshal(map[string]string{"input": it.Get("input").String()})
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key, Text: string(in)})
		}
		out = append(out, ir.Event{Kind: ir.EvBlockEnd})
	case "response.completed", "response.incomplete":
		resp := root.Get("response")
		out = append(out, ir.Event{Kind: ir.EvStop, Stop: stopOfStatus(resp)}, ir.Event{Kind: ir.EvUsage, Usage: UsageOf(resp.Get("usage"))},
			ir.Event{Kind: ir.EvEnd})
	case "response.failed":
		return out, failed(ev.Data)
	case "error":
		return out, errorEvent(ev.Data)
	}
	return out, nil
}

// encoder writes Responses stream events, each with its sequence_number.
type encoder struct {
	id, model string
	created   int64
	seq       int64
	buf       []byte
	cur       ir.Kind
	curID     string
	text      []byte // the open item's accumulated text or arguments
	callID    string
	name      string
	custom    bool // the open tool call is a freeform (custom_tool_call) one
	sig       string
	sigFormat wire.Format
	items     [][]byte // finished output items, for response.completed
}

func (e *encoder) emit(dst []byte, typ string, body func(b []byte) []byte) []byte {
	b := append(e.buf[:0], `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","sequence_number":`...)
	b = jsonx.Int(b, e.seq)
	e.seq++
	b = body(b)
	b = append(b, '}')
	e.buf = b
	return sse.Append(dst, typ, b)
}

func (e *encoder) response(b []byte, status string, u *wire.Usage, stop ir.Stop) []byte {
	b = append(b, `{"id":`...)
	b = jsonx.String(b, e.id)
	b = append(b, `,"object":"response","created_at":`...)
	b = jsonx.Int(b, e.created)
	b = append(b, `,"status":"`...)
	b = append(b, status...)
	b = append(b, `","model":`...)
	b = jsonx.String(b, e.model)
	b = append(b, `,"output":[`...)
	for i, it := range e.items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = append(b, `],"parallel_tool_calls":true,"tool_choice":"auto","tools":[],"error":null,"incomplete_details":`...)
	switch {
	case status == "incomplete" && stop == ir.StopRefusal:
		b = append(b, `{"reason":"content_filter"}`...)
	case status == "incomplete":
		b = append(b, `{"reason":"max_output_tokens"}`...)
	default:
		b = append(b, "null"...)
	}
	if u != nil {
		uj, _ := json.Marshal(usageFor(*u))
		b = append(b, `,"usage":`...)
		b = append(b, uj...)
	}
	return append(b, '}')
}

func (e *encoder) Start(dst []byte, id, model string, _ wire.Usage) []byte {
	e.id, e.model, e.created = id, model, time.Now().Unix()
	if e.id == "" {
		e.id = "resp_ninerouter"
	}
	dst = e.emit(dst, "response.created", func(b []byte) []byte {
		return e.response(append(b, `,"response":`...), "in_progress", nil, "")
	})
	return e.emit(dst, "response.in_progress", func(b []byte) []byte {
		return e.response(append(b, `,"response":`...), "in_progress", nil, "")
	})
}

func (e *encoder) itemHead(b []byte, i int) []byte {
	b = append(b, `,"output_index":`...)
	b = jsonx.Int(b, int64(i))
	b = append(b, `,"item_id":`...)
	return jsonx.String(b, e.curID)
}

// item renders the open item; done says whether it is complete.
func (e *encoder) item(b []byte, done bool) []byte {
	status := "in_progress"
	if done {
		status = "completed"
	}
	switch e.cur {
	case ir.Thinking, ir.RedactedThinking:
		b = append(b, `{"type":"reasoning","id":`...)
		b = jsonx.String(b, e.curID)
		b = append(b, `,"summary":[`...)
		if done && len(e.text) > 0 {
			b = append(b, `{"type":"summary_text","text":`...)
			b = jsonx.String(b, string(e.text))
			b = append(b, '}')
		}
		b = append(b, ']')
		if done && e.sig != "" {
			b = append(b, `,"encrypted_content":`...)
			b = jsonx.String(b, ir.WrapSig(wire.Responses, e.sigFormat, e.sig))
		}
		return append(b, '}')
	case ir.ToolUse:
		if e.custom {
			b = append(b, `{"type":"custom_tool_call","id":`...)
		} else {
			b = append(b, `{"type":"function_call","id":`...)
		}
		b = jsonx.String(b, e.curID)
		b = append(b, `,"status":"`...)
		b = append(b, status...)
		b = append(b, `","call_id":`...)
		b = jsonx.String(b, e.callID)
		b = append(b, `,"name":`...)
		b = jsonx.String(b, e.name)
		switch {
		case e.custom:
			b = append(b, `,"input":`...)
			b = jsonx.String(b, e.customInput(done))
		case done:
			b = append(b, `,"arguments":`...)
			b = jsonx.String(b, string(ir.ArgsJSON(string(e.text))))
		default:
			b = append(b, `,"arguments":""`...)
		}
		return append(b, '}')
	default:
		b = append(b, `{"type":"message","id":`...)
		b = jsonx.String(b, e.curID)
		b = append(b, `,"status":"`...)
		b = append(b, status...)
		b = append(b, `","role":"assistant","content":[`...)
		if done {
			b = append(b, `{"type":"output_text","text":`...)
			b = jsonx.String(b, string(e.text))
			b = append(b, `,"annotations":[]}`...)
		}
		return append(b, "]}"...)
	}
}

func (e *encoder) added(dst []byte, i int) []byte {
	return e.emit(dst, "response.output_item.added", func(b []byte) []byte {
		b = append(b, `,"output_index":`...)
		b = jsonx.Int(b, int64(i))
		b = append(b, `,"item":`...)
		return e.item(b, false)
	})
}

func (e *encoder) customInput(done bool) string {
	if !done {
		return ""
	}
	in, _ := ir.CustomInput(e.text)
	return in
}

func (e *encoder) BlockStart(dst []byte, i int, ev *ir.Event) []byte {
	e.cur, e.text, e.sig, e.sigFormat = ev.Block, e.text[:0], "", ""
	idx := strconv.Itoa(i)
	switch ev.Block {
	case ir.Thinking, ir.RedactedThinking:
		e.curID = "rs_" + idx + "_" + e.id
	case ir.ToolUse:
		e.curID = "fc_" + idx + "_" + e.id
		e.callID, e.name, e.custom = ev.ID, ev.ToolName, false
		if e.callID == "" {
			e.callID = "call_" + idx
		}
		// A call is announced when it is complete: only then is it known whether it is a freeform
		// (custom_tool_call) or a function call.
		return e.Delta(dst, i, ev)
	default:
		e.curID = "msg_" + idx + "_" + e.id
	}
	dst = e.added(dst, i)
	switch ev.Block {
	case ir.Text:
		dst = e.emit(dst, "response.content_part.added", func(b []byte) []byte {
			b = e.itemHead(b, i)
			return append(b, `,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}`...)
		})
	case ir.Thinking:
		dst = e.emit(dst, "response.reasoning_summary_part.added", func(b []byte) []byte {
			b = e.itemHead(b, i)
			return append(b, `,"summary_index":0,"part":{"type":"summary_text","text":""}`...)
		})
	}
	return e.Delta(dst, i, ev)
}

func (e *encoder) Delta(dst []byte, i int, ev *ir.Event) []byte {
	if ev.Signature != "" {
		e.sig += ev.Signature
		e.sigFormat = ev.SigFormat
	}
	if ev.Block == ir.RedactedThinking && ev.Text != "" {
		e.sig, e.sigFormat = ev.Text, ir.Redacted(ev.SigFormat)
		return dst
	}
	if ev.Text == "" {
		return dst
	}
	e.text = append(e.text, ev.Text...)
	if ev.Block == ir.ToolUse {
		return dst
	}
	typ, extra := "response.output_text.delta", `,"content_index":0,"logprobs":[]`
	switch ev.Block {
	case ir.Thinking:
		typ, extra = "response.reasoning_summary_text.delta", `,"summary_index":0`
	case ir.ToolUse:
		typ, extra = "response.function_call_arguments.delta", ""
	}
	return e.emit(dst, typ, func(b []byte) []byte {
		b = e.itemHead(b, i)
		b = append(b, extra...)
		b = append(b, `,"delta":`...)
		return jsonx.String(b, ev.Text)
	})
}

func (e *encoder) BlockStop(dst []byte, i int) []byte {
	switch e.cur {
	case ir.Text:
		dst = e.emit(dst, "response.output_text.done", func(b []byte) []byte {
			b = e.itemHead(b, i)
			b = append(b, `,"content_index":0,"logprobs":[],"text":`...)
			return jsonx.String(b, string(e.text))
		})
		dst = e.emit(dst, "response.content_part.done", func(b []byte) []byte {
			b = e.itemHead(b, i)
			b = append(b, `,"content_index":0,"part":{"type":"output_text","text":`...)
			b = jsonx.String(b, string(e.text))
			return append(b, `,"annotations":[]}`...)
		})
	case ir.Thinking:
		dst = e.emit(dst, "response.reasoning_summary_text.done", func(b []byte) []byte {
			b = e.itemHead(b, i)
			b = append(b, `,"summary_index":0,"text":`...)
			return jsonx.String(b, string(e.text))
		})
		dst = e.emit(dst, "response.reasoning_summary_part.done", func(b []byte) []byte {
			b = e.itemHead(b, i)
			b = append(b, `,"summary_index":0,"part":{"type":"summary_text","text":`...)
			b = jsonx.String(b, string(e.text))
			return append(b, '}')
		})
	case ir.ToolUse:
		_, e.custom = ir.CustomInput(e.text)
		if e.custom {
			e.curID = "ctc" + strings.TrimPrefix(e.curID, "fc")
		}
		dst = e.added(dst, i)
		if e.custom {
			in := e.customInput(true)
			dst = e.emit(dst, "response.custom_tool_call_input.delta", func(b []byte) []byte {
				b = append(e.itemHead(b, i), `,"delta":`...)
				return jsonx.String(b, in)
			})
			dst = e.emit(dst, "response.custom_tool_call_input.done", func(b []byte) []byte {
				b = append(e.itemHead(b, i), `,"input":`...)
				return jsonx.String(b, in)
			})
		} else {
			args := string(ir.ArgsJSON(string(e.text)))
			dst = e.emit(dst, "response.function_call_arguments.delta", func(b []byte) []byte {
				b = append(e.itemHead(b, i), `,"delta":`...)
				return jsonx.String(b, args)
			})
			dst = e.emit(dst, "response.function_call_arguments.done", func(b []byte) []byte {
				b = append(e.itemHead(b, i), `,"arguments":`...)
				return jsonx.String(b, args)
			})
		}
	}
	done := e.item(nil, true)
	e.items = append(e.items, done)
	return e.emit(dst, "response.output_item.done", func(b []byte) []byte {
		b = append(b, `,"output_index":`...)
		b = jsonx.Int(b, int64(i))
		b = append(b, `,"item":`...)
		return append(b, done...)
	})
}

func (e *encoder) Finish(dst []byte, stop ir.Stop, u wire.Usage) []byte {
	status, typ := "completed", "response.completed"
	if stop == ir.StopMax || stop == ir.StopRefusal {
		status, typ = "incomplete", "response.incomplete"
	}
	return e.emit(dst, typ, func(b []byte) []byte {
		return e.response(append(b, `,"response":`...), status, &u, stop)
	})
}
