package gemini

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/translate/internal/jsonx"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Codec is the Gemini codec.
var Codec = ir.Codec{
	Format:         wire.Gemini,
	DecodeRequest:  DecodeRequest,
	EncodeRequest:  EncodeRequest,
	DecodeResponse: DecodeResponse,
	EncodeResponse: EncodeResponse,
	NewDecoder:     func() ir.Decoder { return &decoder{} },
	NewEncoder:     func() ir.Encoder { return &encoder{} },
	SetModel: func(body []byte, _ string, _ bool) ([]byte, error) {
		if err := ir.CheckPassthrough(body); err != nil {
			return nil, err
		}
		return body, nil // model and stream live in the URL
	},
	SniffEvent:  SniffEvent,
	SniffBody:   func(b []byte) wire.Usage { return UsageOf(gjson.GetBytes(b, "usageMetadata")) },
	StreamError: StreamError,
	// Gemini streams have no terminal event of their own: the chunk carrying the finish reason ends one.
	Ends:  func(ev []byte, _ string) bool { return gjson.GetBytes(ev, "candidates.0.finishReason").Exists() },
	Close: func(dst []byte) []byte { return dst },
}

// UsageOf normalises usageMetadata. Output counts thoughts too (docs/translation.md § Usage).
func UsageOf(u gjson.Result) wire.Usage {
	if !u.Exists() {
		return wire.Usage{}
	}
	cached := u.Get("cachedContentTokenCount").Int()
	thoughts := u.Get("thoughtsTokenCount").Int()
	return wire.Usage{Reported: true, Input: max(0, u.Get("promptTokenCount").Int()+u.Get("toolUsePromptTokenCount").Int()-cached),
		CacheRead: cached, Output: u.Get("candidatesTokenCount").Int() + thoughts, Reasoning: thoughts}
}

// SniffEvent reads usage and in-band errors from one chunk.
func SniffEvent(ev []byte, _ string) (wire.Usage, error) {
	if err := ir.CheckEvent(ev); err != nil {
		return wire.Usage{}, err
	}
	if gjson.GetBytes(ev, "error").Exists() {
		e := wire.ParseError(0, ev)
		e.InBand = true
		if c := gjson.GetBytes(ev, "error.code").Int(); c >= 400 {
			e.Status = int(c)
		}
		return wire.Usage{}, e
	}
	return UsageOf(gjson.GetBytes(ev, "usageMetadata")), nil
}

func stopOf(s string) ir.Stop {
	switch s {
	case "":
		return ir.StopUndefined
	case "STOP", "FINISH_REASON_UNSPECIFIED", "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL":
		return ir.StopEnd
	case "MAX_TOKENS":
		return ir.StopMax
	}
	return ir.StopRefusal // SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, LANGUAGE, OTHER...
}

func finishReason(s ir.Stop) string {
	switch s {
	case ir.StopMax:
		return "MAX_TOKENS"
	case ir.StopRefusal:
		return "SAFETY"
	}
	return "STOP"
}

// DecodeResponse reads a generateContent body.
func DecodeResponse(body []byte) (*ir.Response, error) {
	var in struct {
		Candidates []struct {
			Content      content `json:"content"`
			FinishReason string  `json:"finishReason"`
		} `json:"candidates"`
		ModelVersion   string `json:"modelVersion"`
		ResponseID     string `json:"responseId"`
		PromptFeedback *struct {
			BlockReason string `json:"blockReason"`
		} `json:"promptFeedback"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("gemini response: %w", err)
	}
	r := &ir.Response{ID: in.ResponseID, Model: in.ModelVersion, Usage: UsageOf(gjson.GetBytes(body, "usageMetadata"))}
	var calls callIDs
	if len(in.Candidates) > 0 {
		c := in.Candidates[0]
		r.Blocks = partsToIR(c.Content.Parts, &calls)
		r.Stop = stopOf(c.FinishReason)
	}
	if in.PromptFeedback != nil && in.PromptFeedback.BlockReason != "" {
		r.Stop = ir.StopRefusal
	}
	for _, b := range r.Blocks {
		if b.Kind == ir.ToolUse && (r.Stop == ir.StopEnd || r.Stop == ir.StopUndefined) {
			r.Stop = ir.StopTool
		}
	}
	return r, nil
}

type usageOut struct {
	PromptTokenCount        int64 `json:"promptTokenCount"`
	CandidatesTokenCount    int64 `json:"candidatesTokenCount"`
	ThoughtsTokenCount      int64 `json:"thoughtsTokenCount,omitempty"`
	CachedContentTokenCount int64 `json:"cachedContentTokenCount,omitempty"`
	TotalTokenCount         int64 `json:"totalTokenCount"`
}

func usageFor(u wire.Usage) usageOut {
	o := usageOut{PromptTokenCount: u.Input + u.CacheRead + u.CacheWrite, CandidatesTokenCount: u.Output - u.Reasoning,
		ThoughtsTokenCount: u.Reasoning, CachedContentTokenCount: u.CacheRead}
	if o.CandidatesTokenCount < 0 {
		o.CandidatesTokenCount = 0
	}
	o.TotalTokenCount = o.PromptTokenCount + u.Output
	return o
}

// partsFor renders assistant blocks as model parts; a signature rides on its block's part.
func partsFor(bs []ir.Block) []part {
	var ps []part
	for _, b := range bs {
		sig := ir.WrapSig(wire.Gemini, b.SigFormat, b.Signature)
		switch b.Kind {
		case ir.Text:
			ps = append(ps, part{Text: str(b.Text), ThoughtSignature: sig})
		case ir.Thinking:
			ps = append(ps, part{Text: str(b.Text), Thought: true, ThoughtSignature: sig})
		case ir.RedactedThinking:
			ps = append(ps, part{Text: str(""), Thought: true, ThoughtSignature: ir.WrapSig(wire.Gemini, ir.Redacted(b.SigFormat), b.Data)})
		case ir.ToolUse:
			ps = append(ps, part{FunctionCall: &functionCall{ID: b.ToolID, Name: b.ToolName, Args: ir.ArgsJSON(string(b.Input))}, ThoughtSignature: sig})
		}
	}
	if ps == nil {
		ps = []part{}
	}
	return ps
}

// EncodeResponse writes a generateContent body.
func EncodeResponse(r *ir.Response) ([]byte, error) {
	out := map[string]any{
		"candidates": []any{map[string]any{
			"content":      content{Role: "model", Parts: partsFor(r.Blocks)},
			"finishReason": finishReason(r.Stop),
			"index":        0,
		}},
		"usageMetadata": usageFor(r.Usage),
		"modelVersion":  r.Model,
		"responseId":    r.ID,
	}
	return json.Marshal(out)
}

// StreamError is an error chunk: Gemini streams carry the same {error:{code,message,status}} object.
func StreamError(dst []byte, e *wire.UpstreamError) []byte {
	return sse.Append(dst, "", wire.ErrorBody(wire.Gemini, e.Status, e.Type, e.Message))
}

// decoder reads Gemini stream chunks. Function calls arrive whole (or, on Vertex, as a header followed by
// partialArgs fragments and an empty terminator); text and thoughts arrive as fragments.
type decoder struct {
	started bool
	calls   callIDs
	n       int
	partial bool // a streamed-arguments call is open
	paths   []string
	vals    []partialVal
}

func (d *decoder) Decode(out []ir.Event, ev sse.Event) ([]ir.Event, error) {
	if err := ir.CheckEvent(ev.Data); err != nil {
		return out, err
	}
	root := gjson.ParseBytes(ev.Data)
	if root.Get("error").Exists() {
		_, err := SniffEvent(ev.Data, "")
		return out, err
	}
	if !d.started {
		d.started = true
		out = append(out, ir.Event{Kind: ir.EvStart, ID: root.Get("responseId").String(), Model: root.Get("modelVersion").String()})
	}
	cand := root.Get("candidates.0")
	cand.Get("content.parts").ForEach(func(_, p gjson.Result) bool {
		sig := p.Get("thoughtSignature").String()
		sf, sig := ir.UnwrapSig(wire.Gemini, sig)
		if fc := p.Get("functionCall"); fc.Exists() {
			out = d.functionCall(out, fc, sig, sf)
			return true
		}
		if t := p.Get("text"); t.Exists() {
			kind := ir.Text
			if p.Get("thought").Bool() {
				kind = ir.Thinking
			}
			if t.String() == "" && sig != "" {
				kind = ir.Thinking // a signature-only part closes the thinking before it
			}
			if t.String() != "" || sig != "" {
				out = append(out, ir.Event{Kind: ir.EvDelta, Block: kind, Text: t.String(), Signature: sig, SigFormat: sf})
			}
		}
		if id := p.Get("inlineData"); id.Exists() {
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.Text, Text: "![image](data:" + id.Get("mimeType").String() + ";base64," + id.Get("data").String() + ")"})
		}
		return true
	})
	fr := cand.Get("finishReason")
	if fr.String() != "" {
		out = append(out, ir.Event{Kind: ir.EvStop, Stop: stopOf(fr.String())})
	}
	if root.Get("promptFeedback.blockReason").String() != "" {
		out = append(out, ir.Event{Kind: ir.EvStop, Stop: ir.StopRefusal})
	}
	if u := UsageOf(root.Get("usageMetadata")); u.Reported {
		out = append(out, ir.Event{Kind: ir.EvUsage, Usage: u})
	}
	if fr.Exists() {
		out = append(out, ir.Event{Kind: ir.EvEnd}) // the same test as Codec.Ends
	}
	return out, nil
}

func (d *decoder) functionCall(out []ir.Event, fc gjson.Result, sig string, sf wire.Format) []ir.Event {
	name := fc.Get("name").String()
	key := strconv.Itoa(d.n)
	if d.partial && name == "" {
		// Vertex streamed arguments: fragments per JSON path until a functionCall without willContinue.
		fc.Get("partialArgs").ForEach(func(_, a gjson.Result) bool {
			d.addPartial(a)
			return true
		})
		if !fc.Get("willContinue").Bool() {
			d.partial = false
			out = append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key, Text: d.partialJSON()}, ir.Event{Kind: ir.EvBlockEnd})
		}
		return out
	}
	d.n++
	key = strconv.Itoa(d.n)
	id := fc.Get("id").String()
	if id == "" {
		id = d.calls.call(name)
	}
	if fc.Get("willContinue").Bool() {
		d.partial, d.paths, d.vals = true, d.paths[:0], d.vals[:0]
		fc.Get("partialArgs").ForEach(func(_, a gjson.Result) bool {
			d.addPartial(a)
			return true
		})
		return append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key, ID: id, ToolName: name, Signature: sig, SigFormat: sf})
	}
	args := fc.Get("args").Raw
	if args == "" {
		args = "{}"
	}
	return append(out, ir.Event{Kind: ir.EvDelta, Block: ir.ToolUse, Key: key, ID: id, ToolName: name, Text: args, Signature: sig, SigFormat: sf},
		ir.Event{Kind: ir.EvBlockEnd})
}

// addPartial gathers one Vertex partialArgs fragment ({jsonPath:"$.x", stringValue|numberValue|boolValue|
// nullValue}); string values of one path arrive in pieces and are concatenated.
func (d *decoder) addPartial(a gjson.Result) {
	path := strings.TrimPrefix(strings.TrimPrefix(a.Get("jsonPath").String(), "$"), ".")
	if path == "" {
		return
	}
	i := slices.Index(d.paths, path)
	if i < 0 {
		d.paths = append(d.paths, path)
		d.vals = append(d.vals, partialVal{})
		i = len(d.paths) - 1
	}
	v := &d.vals[i]
	switch {
	case a.Get("stringValue").Exists():
		v.str = true
		v.s += a.Get("stringValue").String()
	case a.Get("numberValue").Exists():
		v.raw = a.Get("numberValue").Raw
	case a.Get("boolValue").Exists():
		v.raw = a.Get("boolValue").Raw
	default:
		v.raw = "null"
	}
}

func (d *decoder) partialJSON() string {
	out := []byte("{}")
	for i, p := range d.paths {
		v := d.vals[i]
		raw := v.raw
		if v.str {
			raw = string(jsonx.String(nil, v.s))
		}
		if raw == "" {
			raw = "null"
		}
		if b, err := sjson.SetRawBytes(out, p, []byte(raw)); err == nil {
			out = b
		}
	}
	return string(out)
}

type partialVal struct {
	str bool
	s   string
	raw string
}

// encoder writes Gemini stream chunks (no [DONE]). Tool arguments are gathered and sent as one functionCall
// when the call ends: Gemini clients expect whole calls.
type encoder struct {
	id, model string
	buf       []byte
	args      []byte
	tool      ir.Event
	inTool    bool
	sig       string
}

func (e *encoder) Start(dst []byte, id, model string, _ wire.Usage) []byte {
	e.id, e.model = id, model
	return dst
}

func (e *encoder) chunk(dst []byte, parts []byte, finish string, u *wire.Usage) []byte {
	b := append(e.buf[:0], `{"candidates":[{"content":{"role":"model","parts":[`...)
	b = append(b, parts...)
	b = append(b, `]},"index":0`...)
	if finish != "" {
		b = append(b, `,"finishReason":"`...)
		b = append(b, finish...)
		b = append(b, '"')
	}
	b = append(b, "}]"...)
	if u != nil {
		uj, _ := json.Marshal(usageFor(*u))
		b = append(b, `,"usageMetadata":`...)
		b = append(b, uj...)
	}
	b = append(b, `,"modelVersion":`...)
	b = jsonx.String(b, e.model)
	b = append(b, `,"responseId":`...)
	b = jsonx.String(b, e.id)
	b = append(b, '}')
	e.buf = b
	return sse.Append(dst, "", b)
}

func (e *encoder) BlockStart(dst []byte, i int, ev *ir.Event) []byte {
	if ev.Block == ir.ToolUse {
		e.inTool, e.tool, e.args, e.sig = true, *ev, e.args[:0], ""
	}
	return e.Delta(dst, i, ev)
}

func (e *encoder) Delta(dst []byte, _ int, ev *ir.Event) []byte {
	sig := ir.WrapSig(wire.Gemini, ev.SigFormat, ev.Signature)
	switch ev.Block {
	case ir.ToolUse:
		e.args = append(e.args, ev.Text...)
		if sig != "" {
			e.sig = sig
		}
		return dst
	case ir.RedactedThinking:
		sig = ir.WrapSig(wire.Gemini, ir.Redacted(ev.SigFormat), ev.Text)
		p := append([]byte(nil), `{"text":"","thought":true,"thoughtSignature":`...)
		p = jsonx.String(p, sig)
		p = append(p, '}')
		return e.chunk(dst, p, "", nil)
	}
	if ev.Text == "" && sig == "" {
		return dst
	}
	p := append([]byte(nil), `{"text":`...)
	p = jsonx.String(p, ev.Text)
	if ev.Block == ir.Thinking {
		p = append(p, `,"thought":true`...)
	}
	if sig != "" {
		p = append(p, `,"thoughtSignature":`...)
		p = jsonx.String(p, sig)
	}
	p = append(p, '}')
	return e.chunk(dst, p, "", nil)
}

func (e *encoder) BlockStop(dst []byte, _ int) []byte {
	if !e.inTool {
		return dst
	}
	e.inTool = false
	p := append([]byte(nil), `{"functionCall":{"id":`...)
	p = jsonx.String(p, e.tool.ID)
	p = append(p, `,"name":`...)
	p = jsonx.String(p, e.tool.ToolName)
	p = append(p, `,"args":`...)
	p = append(p, ir.ArgsJSON(string(e.args))...)
	p = append(p, '}')
	if e.sig != "" {
		p = append(p, `,"thoughtSignature":`...)
		p = jsonx.String(p, e.sig)
	}
	p = append(p, '}')
	return e.chunk(dst, p, "", nil)
}

func (e *encoder) Finish(dst []byte, stop ir.Stop, u wire.Usage) []byte {
	var up *wire.Usage
	if u.Reported {
		up = &u
	}
	return e.chunk(dst, []byte(`{"text":""}`), finishReason(stop), up)
}
