// Package ir is the neutral model every format codec reads into and writes from. It is a superset of the four
// wire formats for what crosses between them (docs/translation.md § Neutral model): thinking keeps its signature and redacted
// data, tool calls keep their ids, usage keeps cached and reasoning counts. It is not OpenAI's shape: a hub
// through one vendor's format loses the other vendors' fields (9Router's bugs 6, 12, 13).
package ir

import (
	"encoding/json"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Kind is the kind of a content block.
type Kind uint8

const (
	Text Kind = iota
	Image
	ToolUse
	ToolResult
	Thinking         // visible reasoning text (Anthropic thinking, reasoning_content, Gemini thought, Responses summary)
	RedactedThinking // opaque reasoning (Anthropic redacted_thinking, Responses encrypted_content without summary)
)

func (k Kind) String() string {
	return [...]string{"text", "image", "tool_use", "tool_result", "thinking", "redacted_thinking"}[k]
}

// Block is one piece of content.
type Block struct {
	Kind Kind
	Text string // text, thinking text, or a tool result given as plain text

	// Signature proves a thinking block to its own vendor: Anthropic signature, Gemini thoughtSignature,
	// Responses encrypted_content. SigFormat says whose it is, so it is only replayed to that vendor.
	Signature string
	SigFormat wire.Format
	Data      string // redacted thinking payload
	ItemID    string // Responses reasoning item id

	MediaType string // image mime type
	ImageData string // base64 image bytes
	ImageURL  string // remote image

	ToolID   string
	ToolName string
	Input    json.RawMessage // tool call arguments (a JSON object)
	ToolKind string          // "" for function tools, "custom" for Responses freeform tools
	Content  []Block         // tool result parts
	IsError  bool
}

// Message is one turn.
type Message struct {
	Role   string // "user" or "assistant"
	Blocks []Block
}

// Tool is a tool the model may call.
type Tool struct {
	Name        string
	Description string
	Schema      json.RawMessage // JSON Schema of the arguments
	Kind        string          // "" function, "custom" freeform (Codex apply_patch), or a hosted tool type
	Raw         json.RawMessage // the client's declaration, for hosted tools a same-family upstream understands
}

// ToolChoice: Mode is "", "auto", "none", "required" or "tool" (then Name).
type ToolChoice struct {
	Mode string
	Name string
}

// Reasoning is what the client asked about thinking. Effort is low/medium/high/xhigh/minimal/none; Budget a
// token budget; Off means thinking explicitly disabled.
type Reasoning struct {
	Effort          string
	Budget          int
	Off             bool
	Adaptive        bool
	IncludeThoughts bool
	Summary         string
}

// ResponseFormat is structured output: Type "json_object" or "json_schema" (Schema set).
type ResponseFormat struct {
	Type   string
	Name   string
	Schema json.RawMessage
	Strict bool
}

// Request is a model request.
type Request struct {
	Model             string
	System            []Block
	Messages          []Message
	Tools             []Tool
	ToolChoice        ToolChoice
	ParallelToolCalls *bool
	MaxTokens         int
	Temperature       *float64
	TopP              *float64
	TopK              *int
	Stop              []string
	Stream            bool
	Reasoning         Reasoning
	ResponseFormat    *ResponseFormat
	User              string
	CacheKey          string
}

// Stop is the normalised stop reason.
type Stop string

const (
	StopEnd       Stop = "end_turn"
	StopMax       Stop = "max_tokens"
	StopTool      Stop = "tool_use"
	StopSequence  Stop = "stop_sequence"
	StopRefusal   Stop = "refusal" // content filter / safety
	StopPause     Stop = "pause_turn"
	StopUndefined Stop = ""
)

// Response is a complete non-stream answer.
type Response struct {
	ID     string
	Model  string
	Blocks []Block
	Stop   Stop
	Usage  wire.Usage
}

// EventKind is the kind of a stream event.
type EventKind uint8

const (
	// EvStart carries the message id/model and any usage known at the start.
	EvStart EventKind = iota
	// EvDelta adds to the block identified by (Block, Key): text, thinking text, tool arguments JSON, a
	// signature or redacted data. A delta for a new (Block, Key) opens that block; decoders need not open
	// or close blocks themselves.
	EvDelta
	// EvBlockEnd closes the open block (Anthropic content_block_stop, Responses output_item.done).
	EvBlockEnd
	// EvStop records the stop reason.
	EvStop
	// EvUsage merges usage.
	EvUsage
	// EvEnd is the upstream's own terminal event ([DONE], message_stop, response.completed, a Gemini chunk with
	// its finishReason): the stream is complete. A stream that stops without one was cut. It writes nothing.
	EvEnd
)

// Event is one decoded upstream stream event.
type Event struct {
	Kind      EventKind
	Block     Kind
	Key       string // distinguishes blocks of one kind: tool call index/id, Anthropic block index
	ID        string // message id (EvStart); tool call id (tool deltas); reasoning item id
	Model     string
	ToolName  string
	Text      string // text / thinking / arguments fragment / redacted data
	Signature string
	SigFormat wire.Format
	Stop      Stop
	Usage     wire.Usage
}

// Codec is everything one wire format knows about itself. The translate package composes two codecs into a
// pair; no codec knows any other format (what two formats share, such as image data URLs, lives here in ir).
type Codec struct {
	Format wire.Format
	// DecodeRequest reads a client request body.
	DecodeRequest func(body []byte) (*Request, error)
	// EncodeRequest writes an upstream request body for model; stream asks the upstream to stream.
	EncodeRequest func(r *Request, model string, stream bool) ([]byte, error)
	// DecodeResponse reads an upstream non-stream body (a 2xx one).
	DecodeResponse func(body []byte) (*Response, error)
	// EncodeResponse writes a client non-stream body.
	EncodeResponse func(r *Response) ([]byte, error)
	NewDecoder     func() Decoder
	NewEncoder     func() Encoder
	// Passthrough helpers: rewrite the model (and the stream flag) without decoding the body; sniff usage and
	// in-band errors from one event or one body.
	SetModel    func(body []byte, model string, stream bool) ([]byte, error)
	SniffEvent  func(ev []byte, name string) (wire.Usage, error)
	SniffBody   func(body []byte) wire.Usage
	StreamError func(dst []byte, e *wire.UpstreamError) []byte
	// Ends says whether an event is the format's own terminal event (the one its decoder reports as EvEnd): a
	// stream that stops without one was cut, and a passthrough stream that saw it needs no closing bytes.
	Ends func(ev []byte, name string) bool
	// Close is what a passthrough stream appends when the upstream ended without its own terminal event.
	Close func(dst []byte) []byte
}

// CustomToolSchema is how a freeform tool (Codex's apply_patch) is declared to formats that only have JSON
// tools: one string argument named "input".
var CustomToolSchema = json.RawMessage(`{"type":"object","properties":{"input":{"type":"string","description":"The raw tool input."}},"required":["input"]}`)

// CustomInput recognises the arguments of a call to a freeform tool declared with CustomToolSchema: exactly
// {"input": "<string>"}. Responses clients (Codex) get such a call back as a custom_tool_call with the raw
// input, which is what their apply_patch expects. A function tool whose only argument is a string named
// "input" looks the same and is rendered the same way: a known limit of a stateless translation.
func CustomInput(args []byte) (string, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(args, &m) != nil || len(m) != 1 {
		return "", false
	}
	raw, ok := m["input"]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
