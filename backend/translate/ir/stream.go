package ir

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Decoder turns one upstream stream event into neutral events appended to out. It returns a
// *wire.UpstreamError for an in-band error event and for a malformed one (CheckEvent).
type Decoder interface {
	Decode(out []Event, ev sse.Event) ([]Event, error)
}

// errMalformed is what a decoder reports for an event that is not the JSON it claims to be: half an object would
// break the client's parser, so the stream ends with an explicit error instead (failing over when it can).
var errMalformed = &wire.UpstreamError{Status: 502, Type: "api_error", Message: "upstream sent a malformed event", InBand: true}

// CheckEvent is every decoder's (and passthrough sniffer's) first step: an event whose data opens a JSON object
// must be one whole, valid object, nested no deeper than jsonguard allows (an event may be 32 MB of '['), checked
// in one non-recursive scan (jsonguard.Valid). Data that is not an object ([DONE], pings) is the format's business.
func CheckEvent(data []byte) error {
	if len(data) > 0 && data[0] == '{' && jsonguard.Valid(data) != nil {
		e := *errMalformed
		return &e
	}
	return nil
}

// Encoder writes client-format SSE bytes. The Sequencer calls it with a well-formed sequence: Start once,
// then blocks opened and closed one at a time with increasing indexes, then Finish once.
type Encoder interface {
	Start(dst []byte, id, model string, u wire.Usage) []byte
	// BlockStart opens block i; e is the block's first delta (kind, ids, first text or signature).
	BlockStart(dst []byte, i int, e *Event) []byte
	Delta(dst []byte, i int, e *Event) []byte
	BlockStop(dst []byte, i int) []byte
	Finish(dst []byte, stop Stop, u wire.Usage) []byte
}

// Sequencer turns a decoder's loose events into an Encoder's strict sequence: it opens a block when a delta
// for a new (kind, key) arrives, closes the previous one, upgrades the stop reason to tool_use when tools were
// called, and keeps the usage. One Sequencer serves one stream.
type Sequencer struct {
	Enc     Encoder
	Model   string // reported to the client when non-empty; else the upstream's model
	started bool
	open    bool
	cur     Kind
	curKey  string
	next    int
	tools   bool
	stop    Stop
	usage   wire.Usage
	id      string
}

// Usage is the merged usage so far.
func (s *Sequencer) Usage() wire.Usage { return s.usage }

func (s *Sequencer) start(dst []byte, id, model string) []byte {
	if s.started {
		return dst
	}
	s.started = true
	if s.Model != "" {
		model = s.Model
	}
	if id == "" {
		id = "msg_ninerouter"
	}
	s.id = id
	return s.Enc.Start(dst, id, model, s.usage)
}

// Apply feeds one neutral event.
func (s *Sequencer) Apply(dst []byte, e *Event) []byte {
	switch e.Kind {
	case EvStart:
		s.usage.Merge(e.Usage)
		return s.start(dst, e.ID, e.Model)
	case EvUsage:
		s.usage.Merge(e.Usage)
	case EvStop:
		if e.Stop != StopUndefined {
			s.stop = e.Stop
		}
	case EvBlockEnd:
		if s.open {
			s.open = false
			dst = s.Enc.BlockStop(dst, s.next-1)
		}
	case EvDelta:
		dst = s.start(dst, "", "")
		if s.open && (s.cur != e.Block || s.curKey != e.Key) {
			s.open = false
			dst = s.Enc.BlockStop(dst, s.next-1)
		}
		if !s.open {
			s.open, s.cur, s.curKey = true, e.Block, e.Key
			if e.Block == ToolUse {
				s.tools = true
			}
			s.next++
			return s.Enc.BlockStart(dst, s.next-1, e)
		}
		return s.Enc.Delta(dst, s.next-1, e)
	}
	return dst
}

// Finish closes everything: the open block, then the message with its stop reason and usage.
func (s *Sequencer) Finish(dst []byte) []byte {
	dst = s.start(dst, "", "")
	if s.open {
		s.open = false
		dst = s.Enc.BlockStop(dst, s.next-1)
	}
	stop := s.stop
	if s.tools && (stop == StopEnd || stop == StopUndefined) {
		stop = StopTool
	}
	if stop == StopUndefined {
		stop = StopEnd
	}
	return s.Enc.Finish(dst, stop, s.usage)
}

// Collector is an Encoder that builds a Response: the fold of a stream into one JSON answer.
type Collector struct {
	Resp Response
	args [][]byte
}

func (c *Collector) Start(dst []byte, id, model string, u wire.Usage) []byte {
	c.Resp.ID, c.Resp.Model = id, model
	return dst
}

func (c *Collector) BlockStart(dst []byte, i int, e *Event) []byte {
	b := Block{Kind: e.Block, ToolID: e.ID, ToolName: e.ToolName}
	if e.Block == Thinking || e.Block == RedactedThinking {
		b.ItemID = e.ID
	}
	c.Resp.Blocks = append(c.Resp.Blocks, b)
	c.args = append(c.args, nil)
	return c.Delta(dst, i, e)
}

func (c *Collector) Delta(dst []byte, i int, e *Event) []byte {
	// Text gathers in a byte slice per block: string concatenation would be quadratic on long answers.
	c.args[i] = append(c.args[i], e.Text...)
	if e.Signature != "" {
		b := &c.Resp.Blocks[i]
		b.Signature, b.SigFormat = b.Signature+e.Signature, e.SigFormat
	}
	return dst
}

func (c *Collector) BlockStop(dst []byte, i int) []byte {
	b := &c.Resp.Blocks[i]
	switch b.Kind {
	case ToolUse:
		b.Input = ArgsJSON(string(c.args[i]))
	case RedactedThinking:
		b.Data = string(c.args[i])
	default:
		b.Text = string(c.args[i])
	}
	c.args[i] = nil
	return dst
}

func (c *Collector) Finish(dst []byte, stop Stop, u wire.Usage) []byte {
	c.Resp.Stop, c.Resp.Usage = stop, u
	return dst
}

// ArgsJSON turns streamed tool arguments into a JSON object: "" becomes {}, invalid JSON is wrapped so the
// client sees what the model produced instead of a parse failure.
func ArgsJSON(s string) json.RawMessage {
	s = strings.TrimSpace(s)
	if s == "" {
		return json.RawMessage("{}")
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(map[string]string{"_raw": s})
	return b
}

// Signatures cross formats in a wrapper: a client of format X receives the signature of a thinking block
// produced by upstream Y as base64("nr1|Y|sig"). When the client replays its history, the wrapper tells
// which vendor the signature belongs to, so it is given back to that vendor only and dropped elsewhere
// (cross-provider signatures are a classic 400: CPA #2172, #3052, #1584). Base64 keeps it valid in Gemini's
// bytes-typed thoughtSignature field.
const sigPrefix = "nr1|"

// WrapSig returns the signature to show a client of format client for a block signed by from.
func WrapSig(client, from wire.Format, sig string) string {
	if sig == "" || from == client || from == "" {
		return sig
	}
	return base64.StdEncoding.EncodeToString([]byte(sigPrefix + string(from) + "|" + sig))
}

// UnwrapSig reads a signature a client of format client sent back: its owner and the original value.
func UnwrapSig(client wire.Format, sig string) (wire.Format, string) {
	if sig == "" {
		return "", ""
	}
	if len(sig) > 8 && strings.HasPrefix(sig, "bnIxf") { // base64 of "nr1|"
		if raw, err := base64.StdEncoding.DecodeString(sig); err == nil && strings.HasPrefix(string(raw), sigPrefix) {
			rest := string(raw[len(sigPrefix):])
			if i := strings.IndexByte(rest, '|'); i > 0 {
				return wire.Format(rest[:i]), rest[i+1:]
			}
		}
	}
	return client, sig
}

// Redacted marks a wrapped signature that is a redacted-thinking payload rather than a signature, so a replay
// rebuilds a redacted_thinking block.
func Redacted(f wire.Format) wire.Format { return f + "#redacted" }

// ThinkingBlock rebuilds a thinking block a client of format client replayed: its text and the opaque value
// that came with it (Gemini thoughtSignature, Responses encrypted_content).
func ThinkingBlock(client wire.Format, text, opaque, itemID string) Block {
	f, sig := UnwrapSig(client, opaque)
	if base, ok := strings.CutSuffix(string(f), "#redacted"); ok {
		return Block{Kind: RedactedThinking, Data: sig, SigFormat: wire.Format(base), ItemID: itemID}
	}
	return Block{Kind: Thinking, Text: text, Signature: sig, SigFormat: f, ItemID: itemID}
}

// FillToolNames gives tool results the name of the call they answer (Gemini needs it; OpenAI and Responses
// results carry only the id).
func FillToolNames(r *Request) {
	names := map[string]string{}
	for mi := range r.Messages {
		for bi := range r.Messages[mi].Blocks {
			b := &r.Messages[mi].Blocks[bi]
			switch b.Kind {
			case ToolUse:
				names[b.ToolID] = b.ToolName
			case ToolResult:
				if b.ToolName == "" {
					b.ToolName = names[b.ToolID]
				}
			}
		}
	}
}

// TextOf joins the text blocks.
func TextOf(bs []Block) string {
	var sb strings.Builder
	for _, b := range bs {
		if b.Kind == Text {
			if sb.Len() > 0 {
				sb.WriteString("\n")
			}
			sb.WriteString(b.Text)
		}
	}
	return sb.String()
}

// EffortBudget maps a reasoning effort to a thinking budget (docs/translation.md § Thinking).
func EffortBudget(effort string) int {
	switch effort {
	case "minimal":
		return 1024
	case "low":
		return 4096
	case "medium":
		return 8192
	case "high":
		return 16384
	case "xhigh", "max":
		return 32768
	}
	return 0
}

// BudgetEffort maps a thinking budget back to an effort.
func BudgetEffort(budget int) string {
	switch {
	case budget <= 0:
		return ""
	case budget <= 2048:
		return "minimal"
	case budget <= 6000:
		return "low"
	case budget <= 12000:
		return "medium"
	default:
		return "high"
	}
}

// Effort is the request's effort, derived from the budget when only a budget was given.
func (r Reasoning) EffortOrBudget() string {
	if r.Effort != "" {
		return r.Effort
	}
	return BudgetEffort(r.Budget)
}

// BudgetOrEffort is the request's budget, derived from the effort when only an effort was given.
func (r Reasoning) BudgetOrEffort() int {
	if r.Budget > 0 {
		return r.Budget
	}
	return EffortBudget(r.Effort)
}

// Wants says whether the client asked for thinking at all.
func (r Reasoning) Wants() bool {
	return !r.Off && (r.Effort != "" && r.Effort != "none" || r.Budget > 0 || r.Adaptive || r.IncludeThoughts)
}
