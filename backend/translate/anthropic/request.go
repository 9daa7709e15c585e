// Package anthropic is the Anthropic Messages codec: requests, responses and stream events to and from the
// neutral model (translate/ir).
package anthropic

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

type source struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

type block struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	Thinking  *string         `json:"thinking,omitempty"`
	Signature *string         `json:"signature,omitempty"`
	Data      string          `json:"data,omitempty"`
	Source    *source         `json:"source,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   json.RawMessage `json:"content,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type tool struct {
	Type        string          `json:"type,omitempty"`
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
}

type toolChoice struct {
	Type                   string `json:"type"`
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

type thinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

type request struct {
	Model         string          `json:"model"`
	System        json.RawMessage `json:"system,omitempty"`
	Messages      []message       `json:"messages"`
	Tools         []tool          `json:"tools,omitempty"`
	ToolChoice    *toolChoice     `json:"tool_choice,omitempty"`
	MaxTokens     int             `json:"max_tokens"`
	Temperature   *float64        `json:"temperature,omitempty"`
	TopP          *float64        `json:"top_p,omitempty"`
	TopK          *int            `json:"top_k,omitempty"`
	StopSequences []string        `json:"stop_sequences,omitempty"`
	Stream        bool            `json:"stream,omitempty"`
	Thinking      *thinking       `json:"thinking,omitempty"`
	OutputConfig  *struct {
		Effort string `json:"effort,omitempty"`
	} `json:"output_config,omitempty"`
	Metadata *struct {
		UserID string `json:"user_id,omitempty"`
	} `json:"metadata,omitempty"`
}

// decodeContent reads a string or an array of blocks.
func decodeContent(raw json.RawMessage) ([]block, error) {
	raw = json.RawMessage(strings.TrimSpace(string(raw)))
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []block{{Type: "text", Text: s}}, nil
	}
	var bs []block
	err := json.Unmarshal(raw, &bs)
	return bs, err
}

func toIR(bs []block) []ir.Block {
	out := make([]ir.Block, 0, len(bs))
	for _, b := range bs {
		switch b.Type {
		case "text":
			out = append(out, ir.Block{Kind: ir.Text, Text: b.Text})
		case "image":
			if b.Source == nil {
				continue
			}
			if b.Source.Type == "url" {
				out = append(out, ir.Block{Kind: ir.Image, ImageURL: b.Source.URL})
			} else {
				out = append(out, ir.Block{Kind: ir.Image, MediaType: b.Source.MediaType, ImageData: b.Source.Data})
			}
		case "tool_use":
			out = append(out, ir.Block{Kind: ir.ToolUse, ToolID: b.ID, ToolName: b.Name, Input: ir.ArgsJSON(string(b.Input))})
		case "tool_result":
			r := ir.Block{Kind: ir.ToolResult, ToolID: b.ToolUseID, IsError: b.IsError}
			inner, err := decodeContent(b.Content)
			if err == nil {
				r.Content = toIR(inner)
			}
			out = append(out, r)
		case "thinking":
			tb := ir.Block{Kind: ir.Thinking}
			if b.Thinking != nil {
				tb.Text = *b.Thinking
			}
			if b.Signature != nil {
				tb.SigFormat, tb.Signature = ir.UnwrapSig(wire.Anthropic, *b.Signature)
			}
			out = append(out, tb)
		case "redacted_thinking":
			out = append(out, ir.Block{Kind: ir.RedactedThinking, Data: b.Data, SigFormat: wire.Anthropic})
		case "document":
			// PDFs and text documents have no portable equivalent; keep text documents as text.
			if b.Source != nil && b.Source.Type == "text" {
				out = append(out, ir.Block{Kind: ir.Text, Text: b.Source.Data})
			}
		}
		// server_tool_use, web_search_tool_result, mcp_* blocks belong to Anthropic's own tools and do not
		// cross formats.
	}
	return out
}

// DecodeRequest reads an Anthropic Messages request.
func DecodeRequest(body []byte) (*ir.Request, error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("anthropic request: %w", err)
	}
	r := &ir.Request{Model: in.Model, MaxTokens: in.MaxTokens, Temperature: in.Temperature, TopP: in.TopP,
		TopK: in.TopK, Stop: in.StopSequences, Stream: in.Stream}
	sys, err := decodeContent(in.System)
	if err != nil {
		return nil, fmt.Errorf("anthropic system: %w", err)
	}
	r.System = toIR(sys)
	// Claude Code's first system block is a billing header for Anthropic, not a prompt: other vendors
	// would only see noise (docs/translation.md § What real clients send).
	r.System = slices.DeleteFunc(r.System, func(b ir.Block) bool {
		return b.Kind == ir.Text && strings.HasPrefix(b.Text, "x-anthropic-billing-header:")
	})
	for i, m := range in.Messages {
		bs, err := decodeContent(m.Content)
		if err != nil {
			return nil, fmt.Errorf("anthropic messages[%d]: %w", i, err)
		}
		r.Messages = append(r.Messages, ir.Message{Role: m.Role, Blocks: toIR(bs)})
	}
	for _, t := range in.Tools {
		if t.Type != "" && t.Type != "custom" {
			r.Tools = append(r.Tools, ir.Tool{Name: t.Name, Kind: t.Type})
			continue
		}
		r.Tools = append(r.Tools, ir.Tool{Name: t.Name, Description: t.Description, Schema: t.InputSchema})
	}
	if tc := in.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto":
			r.ToolChoice.Mode = "auto"
		case "any":
			r.ToolChoice.Mode = "required"
		case "none":
			r.ToolChoice.Mode = "none"
		case "tool":
			r.ToolChoice = ir.ToolChoice{Mode: "tool", Name: tc.Name}
		}
		if tc.DisableParallelToolUse {
			f := false
			r.ParallelToolCalls = &f
		}
	}
	if t := in.Thinking; t != nil {
		switch t.Type {
		case "enabled":
			r.Reasoning.Budget = t.BudgetTokens
			r.Reasoning.IncludeThoughts = true
		case "adaptive":
			r.Reasoning.Adaptive = true
			r.Reasoning.IncludeThoughts = true
		case "disabled":
			r.Reasoning.Off = true
		}
	}
	if in.OutputConfig != nil && in.OutputConfig.Effort != "" {
		r.Reasoning.Effort = in.OutputConfig.Effort
	}
	if in.Metadata != nil {
		r.User = in.Metadata.UserID
	}
	return r, nil
}

func fromIR(bs []ir.Block) []block {
	out := make([]block, 0, len(bs))
	for _, b := range bs {
		switch b.Kind {
		case ir.Text:
			if b.Text != "" {
				out = append(out, block{Type: "text", Text: b.Text})
			}
		case ir.Image:
			if b.ImageURL != "" {
				out = append(out, block{Type: "image", Source: &source{Type: "url", URL: b.ImageURL}})
			} else {
				out = append(out, block{Type: "image", Source: &source{Type: "base64", MediaType: b.MediaType, Data: b.ImageData}})
			}
		case ir.ToolUse:
			out = append(out, block{Type: "tool_use", ID: toolID(b.ToolID), Name: b.ToolName, Input: ir.ArgsJSON(string(b.Input))})
		case ir.ToolResult:
			content, _ := json.Marshal(fromIR(b.Content))
			if len(b.Content) == 0 {
				content = []byte(`""`)
			}
			out = append(out, block{Type: "tool_result", ToolUseID: toolID(b.ToolID), Content: content, IsError: b.IsError})
		case ir.Thinking:
			// Only Anthropic's own signatures verify; a thinking block from another vendor is dropped rather
			// than replayed with a fake signature (9Router bug 13).
			if b.SigFormat == wire.Anthropic && b.Signature != "" {
				text, sig := b.Text, b.Signature
				out = append(out, block{Type: "thinking", Thinking: &text, Signature: &sig})
			}
		case ir.RedactedThinking:
			if b.SigFormat == wire.Anthropic && b.Data != "" {
				out = append(out, block{Type: "redacted_thinking", Data: b.Data})
			}
		}
	}
	return out
}

// toolID makes a call id Anthropic accepts (^[a-zA-Z0-9_-]+$).
func toolID(id string) string {
	if id == "" {
		return "toolu_ninerouter"
	}
	ok := true
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			ok = false
			break
		}
	}
	if ok {
		return id
	}
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b)
}

// DefaultMaxTokens is used when the client set none: Anthropic requires max_tokens.
const DefaultMaxTokens = 32000

// EncodeRequest writes an Anthropic Messages request.
func EncodeRequest(r *ir.Request, model string, stream bool) ([]byte, error) {
	out := request{Model: model, Temperature: r.Temperature, TopP: r.TopP, TopK: r.TopK, StopSequences: r.Stop, Stream: stream}
	if out.Model == "" {
		out.Model = r.Model
	}
	system := fromIR(r.System)
	// Anthropic has no system role inside messages (Claude Code sends one anyway): it joins the system prompt.
	var msgs []message
	var last *struct {
		role string
		bs   []block
	}
	flush := func() {
		if last == nil {
			return
		}
		bs := last.bs
		if last.role == "user" { // tool results must lead a user turn
			var res, rest []block
			for _, b := range bs {
				if b.Type == "tool_result" {
					res = append(res, b)
				} else {
					rest = append(rest, b)
				}
			}
			bs = append(res, rest...)
		}
		if len(bs) > 0 {
			c, _ := json.Marshal(bs)
			msgs = append(msgs, message{Role: last.role, Content: c})
		}
		last = nil
	}
	for _, m := range r.Messages {
		if m.Role == "system" || m.Role == "developer" {
			system = append(system, fromIR(m.Blocks)...)
			continue
		}
		role := "user"
		if m.Role == "assistant" {
			role = "assistant"
		}
		bs := fromIR(m.Blocks)
		if last != nil && last.role == role {
			last.bs = append(last.bs, bs...)
			continue
		}
		flush()
		last = &struct {
			role string
			bs   []block
		}{role, bs}
	}
	flush()
	out.Messages = msgs
	if out.Messages == nil {
		out.Messages = []message{}
	}
	if rf := r.ResponseFormat; rf != nil && rf.Type != "text" && rf.Type != "" {
		instr := "Respond with a single JSON object only, no prose and no code fences."
		if len(rf.Schema) > 0 {
			instr += " It must match this JSON Schema: " + string(rf.Schema)
		}
		system = append(system, block{Type: "text", Text: instr})
	}
	if len(system) > 0 {
		out.System, _ = json.Marshal(system)
	}
	for _, t := range r.Tools {
		switch t.Kind {
		case "":
			schema := t.Schema
			if len(schema) == 0 || !json.Valid(schema) {
				schema = json.RawMessage(`{"type":"object","properties":{}}`)
			}
			out.Tools = append(out.Tools, tool{Name: t.Name, Description: t.Description, InputSchema: schema})
		case "custom":
			out.Tools = append(out.Tools, tool{Name: t.Name, Description: t.Description, InputSchema: ir.CustomToolSchema})
		}
		// Hosted tools of other vendors (web_search, tool_search, code interpreter) have no Anthropic form.
	}
	if len(out.Tools) > 0 {
		switch r.ToolChoice.Mode {
		case "auto":
			out.ToolChoice = &toolChoice{Type: "auto"}
		case "required":
			out.ToolChoice = &toolChoice{Type: "any"}
		case "none":
			out.ToolChoice = &toolChoice{Type: "none"}
		case "tool":
			out.ToolChoice = &toolChoice{Type: "tool", Name: r.ToolChoice.Name}
		}
		if r.ParallelToolCalls != nil && !*r.ParallelToolCalls {
			if out.ToolChoice == nil {
				out.ToolChoice = &toolChoice{Type: "auto"}
			}
			out.ToolChoice.DisableParallelToolUse = true
		}
	}
	out.MaxTokens = r.MaxTokens
	if out.MaxTokens <= 0 {
		out.MaxTokens = DefaultMaxTokens
	}
	if r.Reasoning.Wants() {
		switch {
		case r.Reasoning.Adaptive:
			out.Thinking = &thinking{Type: "adaptive"}
		default:
			budget := r.Reasoning.BudgetOrEffort()
			if budget < 1024 {
				budget = 1024
			}
			out.Thinking = &thinking{Type: "enabled", BudgetTokens: budget}
			if out.MaxTokens <= budget {
				out.MaxTokens = budget + 1024
			}
		}
		// With thinking on, Anthropic requires the assistant turn that called a tool to start with its signed
		// thinking. History from another vendor has none, so thinking is left off for this turn rather than
		// failing with a 400.
		if lastToolTurnUnsigned(msgs) {
			out.Thinking = nil
		}
		// Anthropic rejects sampling changes with thinking on.
		if out.Thinking != nil {
			out.Temperature, out.TopP, out.TopK = nil, nil, nil
		}
		if out.Thinking != nil && out.ToolChoice != nil && (out.ToolChoice.Type == "any" || out.ToolChoice.Type == "tool") {
			out.ToolChoice.Type, out.ToolChoice.Name = "auto", ""
		}
	}
	return json.Marshal(out)
}

// lastToolTurnUnsigned says whether the request continues a tool loop (it ends with tool results) whose
// assistant turn called the tool without leading thinking.
func lastToolTurnUnsigned(msgs []message) bool {
	if len(msgs) == 0 || msgs[len(msgs)-1].Role != "user" || !strings.Contains(string(msgs[len(msgs)-1].Content), `"tool_result"`) {
		return false
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role != "assistant" {
			continue
		}
		var bs []block
		if json.Unmarshal(msgs[i].Content, &bs) != nil || len(bs) == 0 {
			return false
		}
		calls := false
		for _, b := range bs {
			calls = calls || b.Type == "tool_use"
		}
		return calls && bs[0].Type != "thinking" && bs[0].Type != "redacted_thinking"
	}
	return false
}
