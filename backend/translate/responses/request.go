// Package responses is the OpenAI Responses codec (Codex, Copilot /responses, xAI): requests, responses and
// stream events to and from the neutral model.
package responses

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

type contentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	Refusal  string `json:"refusal,omitempty"`
}

type summary struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// item is any input/output item; fields are a union over the item types NineRouter maps.
type item struct {
	Type             string          `json:"type,omitempty"`
	ID               string          `json:"id,omitempty"`
	Role             string          `json:"role,omitempty"`
	Content          json.RawMessage `json:"content,omitempty"`
	CallID           string          `json:"call_id,omitempty"`
	Name             string          `json:"name,omitempty"`
	Arguments        string          `json:"arguments,omitempty"`
	Input            string          `json:"input,omitempty"`
	Output           json.RawMessage `json:"output,omitempty"`
	Summary          []summary       `json:"summary,omitempty"`
	EncryptedContent string          `json:"encrypted_content,omitempty"`
	Status           string          `json:"status,omitempty"`
	// additional_tools / configuration_update items (Codex's built-in provider)
	Tools     []json.RawMessage `json:"tools,omitempty"`
	Reasoning *reasoning        `json:"reasoning,omitempty"`
}

type tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
	Format      json.RawMessage `json:"format,omitempty"`
}

type reasoning struct {
	Effort  string `json:"effort,omitempty"`
	Summary string `json:"summary,omitempty"`
}

type textFormat struct {
	Type   string          `json:"type"`
	Name   string          `json:"name,omitempty"`
	Schema json.RawMessage `json:"schema,omitempty"`
	Strict bool            `json:"strict,omitempty"`
}

type request struct {
	Model             string            `json:"model"`
	Instructions      string            `json:"instructions,omitempty"`
	Input             json.RawMessage   `json:"input"`
	Tools             []json.RawMessage `json:"tools,omitempty"`
	ToolChoice        json.RawMessage   `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool             `json:"parallel_tool_calls,omitempty"`
	MaxOutputTokens   int               `json:"max_output_tokens,omitempty"`
	Temperature       *float64          `json:"temperature,omitempty"`
	TopP              *float64          `json:"top_p,omitempty"`
	Stream            bool              `json:"stream,omitempty"`
	Store             *bool             `json:"store,omitempty"`
	Include           []string          `json:"include,omitempty"`
	Reasoning         *reasoning        `json:"reasoning,omitempty"`
	Text              *struct {
		Format    *textFormat `json:"format,omitempty"`
		Verbosity string      `json:"verbosity,omitempty"`
	} `json:"text,omitempty"`
	PromptCacheKey string `json:"prompt_cache_key,omitempty"`
	User           string `json:"user,omitempty"`
}

func decodeContent(raw json.RawMessage) ([]ir.Block, error) {
	return ir.DecodeContent(raw, func(p contentPart) (ir.Block, bool) {
		switch p.Type {
		case "input_text", "output_text", "text", "summary_text", "reasoning_text":
			return ir.Block{Kind: ir.Text, Text: p.Text}, true
		case "refusal":
			return ir.Block{Kind: ir.Text, Text: p.Refusal}, true
		case "input_image":
			if p.ImageURL != "" {
				return ir.ImageBlock(p.ImageURL), true
			}
		}
		return ir.Block{}, false
	})
}

// DecodeRequest reads a Responses request. Codex sends no instructions, developer items, custom tools and a
// full history; OpenCode sends items with a role and no type.
func DecodeRequest(body []byte) (*ir.Request, error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("responses request: %w", err)
	}
	r := &ir.Request{Model: in.Model, MaxTokens: in.MaxOutputTokens, Temperature: in.Temperature, TopP: in.TopP,
		Stream: in.Stream, ParallelToolCalls: in.ParallelToolCalls, CacheKey: in.PromptCacheKey, User: in.User}
	if in.Instructions != "" {
		r.System = append(r.System, ir.Block{Kind: ir.Text, Text: in.Instructions})
	}
	var items []item
	if s := strings.TrimSpace(string(in.Input)); s != "" && s[0] == '"' {
		items = []item{{Type: "message", Role: "user", Content: in.Input}}
	} else if s != "" && s != "null" {
		if err := json.Unmarshal(in.Input, &items); err != nil {
			return nil, fmt.Errorf("responses input: %w", err)
		}
	}
	leading := true
	appendTo := func(role string, b ir.Block) {
		if n := len(r.Messages); n > 0 && r.Messages[n-1].Role == role {
			r.Messages[n-1].Blocks = append(r.Messages[n-1].Blocks, b)
			return
		}
		r.Messages = append(r.Messages, ir.Message{Role: role, Blocks: []ir.Block{b}})
	}
	for i, it := range items {
		typ := it.Type
		if typ == "" && it.Role != "" {
			typ = "message"
		}
		switch typ {
		case "message":
			bs, err := decodeContent(it.Content)
			if err != nil {
				return nil, fmt.Errorf("input[%d].content: %w", i, err)
			}
			switch it.Role {
			case "system", "developer":
				if leading {
					r.System = append(r.System, bs...)
				} else {
					r.Messages = append(r.Messages, ir.Message{Role: "system", Blocks: bs})
				}
				continue
			case "assistant":
				for _, b := range bs {
					appendTo("assistant", b)
				}
			default:
				r.Messages = append(r.Messages, ir.Message{Role: "user", Blocks: bs})
			}
		case "function_call":
			appendTo("assistant", ir.Block{Kind: ir.ToolUse, ToolID: it.CallID, ToolName: it.Name, Input: ir.ArgsJSON(it.Arguments)})
		case "custom_tool_call":
			in, _ := json.Marshal(map[string]string{"input": it.Input})
			appendTo("assistant", ir.Block{Kind: ir.ToolUse, ToolID: it.CallID, ToolName: it.Name, Input: in, ToolKind: "custom"})
		case "function_call_output", "custom_tool_call_output":
			res := ir.Block{Kind: ir.ToolResult, ToolID: it.CallID}
			if bs, err := decodeContent(it.Output); err == nil {
				res.Content = bs
			}
			appendTo("user", res)
		case "reasoning":
			var sb strings.Builder
			for _, s := range it.Summary {
				if sb.Len() > 0 {
					sb.WriteString("\n\n")
				}
				sb.WriteString(s.Text)
			}
			appendTo("assistant", ir.ThinkingBlock(wire.Responses, sb.String(), it.EncryptedContent, it.ID))
		case "additional_tools":
			// Codex's built-in provider declares its tools here, grouped in namespaces.
			in.Tools = append(in.Tools, flattenNamespaces(it.Tools)...)
			continue
		case "configuration_update":
			if it.Reasoning != nil && it.Reasoning.Effort != "" && in.Reasoning == nil {
				in.Reasoning = it.Reasoning
			}
			continue
		default:
			// web_search_call, item_reference...: Responses-only items.
			continue
		}
		leading = false
	}
	for _, raw := range in.Tools {
		var t tool
		if json.Unmarshal(raw, &t) != nil {
			continue
		}
		switch t.Type {
		case "function":
			r.Tools = append(r.Tools, ir.Tool{Name: t.Name, Description: t.Description, Schema: t.Parameters})
		case "custom":
			r.Tools = append(r.Tools, ir.Tool{Name: t.Name, Description: t.Description, Kind: "custom", Raw: raw})
		default:
			r.Tools = append(r.Tools, ir.Tool{Name: t.Name, Kind: t.Type, Raw: raw})
		}
	}
	r.ToolChoice = decodeToolChoice(in.ToolChoice)
	if in.Reasoning != nil {
		r.Reasoning.Effort = in.Reasoning.Effort
		r.Reasoning.Summary = in.Reasoning.Summary
		r.Reasoning.Off = in.Reasoning.Effort == "none"
		r.Reasoning.IncludeThoughts = in.Reasoning.Effort != "" && in.Reasoning.Effort != "none"
	}
	if in.Text != nil && in.Text.Format != nil && in.Text.Format.Type != "text" {
		f := in.Text.Format
		r.ResponseFormat = &ir.ResponseFormat{Type: f.Type, Name: f.Name, Schema: f.Schema, Strict: f.Strict}
	}
	return r, nil
}

// flattenNamespaces lifts the tools out of namespace groups.
func flattenNamespaces(tools []json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	for _, raw := range tools {
		var ns struct {
			Type  string            `json:"type"`
			Tools []json.RawMessage `json:"tools"`
		}
		if json.Unmarshal(raw, &ns) == nil && ns.Type == "namespace" {
			out = append(out, flattenNamespaces(ns.Tools)...)
			continue
		}
		out = append(out, raw)
	}
	return out
}

func decodeToolChoice(raw json.RawMessage) ir.ToolChoice {
	if len(raw) == 0 {
		return ir.ToolChoice{}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return ir.ToolChoice{Mode: s}
	}
	var o struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Name != "" {
		return ir.ToolChoice{Mode: "tool", Name: o.Name}
	}
	return ir.ToolChoice{Mode: "auto"}
}

func encodeContent(bs []ir.Block, assistant bool) json.RawMessage {
	var parts []contentPart
	for _, b := range bs {
		switch b.Kind {
		case ir.Text:
			if assistant {
				parts = append(parts, contentPart{Type: "output_text", Text: b.Text})
			} else {
				parts = append(parts, contentPart{Type: "input_text", Text: b.Text})
			}
		case ir.Image:
			parts = append(parts, contentPart{Type: "input_image", ImageURL: ir.ImageURL(b)})
		}
	}
	out, _ := json.Marshal(parts)
	return out
}

// EncodeRequest writes a Responses request. store is false and encrypted reasoning is requested, so thinking
// can be replayed statelessly (Codex's own settings, docs/translation.md § Upstream request shaping).
func EncodeRequest(r *ir.Request, model string, stream bool) ([]byte, error) {
	if model == "" {
		model = r.Model
	}
	f := false
	out := request{Model: model, Instructions: ir.TextOf(r.System), MaxOutputTokens: r.MaxTokens, Temperature: r.Temperature,
		TopP: r.TopP, Stream: stream, Store: &f, ParallelToolCalls: r.ParallelToolCalls, PromptCacheKey: r.CacheKey}
	var items []item
	for _, m := range r.Messages {
		switch m.Role {
		case "system", "developer":
			items = append(items, item{Type: "message", Role: "developer", Content: encodeContent(m.Blocks, false)})
		case "assistant":
			var text []ir.Block
			flush := func() {
				if len(text) > 0 {
					items = append(items, item{Type: "message", Role: "assistant", Content: encodeContent(text, true)})
					text = nil
				}
			}
			for _, b := range m.Blocks {
				switch b.Kind {
				case ir.Text:
					text = append(text, b)
				case ir.Thinking:
					if b.SigFormat == wire.Responses && b.Signature != "" {
						flush()
						it := item{Type: "reasoning", ID: b.ItemID, EncryptedContent: b.Signature, Summary: []summary{}}
						if b.Text != "" {
							it.Summary = []summary{{Type: "summary_text", Text: b.Text}}
						}
						items = append(items, it)
					}
				case ir.ToolUse:
					flush()
					if b.ToolKind == "custom" {
						var in struct {
							Input string `json:"input"`
						}
						_ = json.Unmarshal(b.Input, &in)
						items = append(items, item{Type: "custom_tool_call", CallID: callID(b.ToolID), Name: b.ToolName, Input: in.Input})
						continue
					}
					items = append(items, item{Type: "function_call", CallID: callID(b.ToolID), Name: b.ToolName, Arguments: string(ir.ArgsJSON(string(b.Input)))})
				}
			}
			flush()
		default:
			var rest []ir.Block
			for _, b := range m.Blocks {
				if b.Kind == ir.ToolResult {
					o, _ := json.Marshal(openaiResultText(b))
					items = append(items, item{Type: "function_call_output", CallID: callID(b.ToolID), Output: o})
					continue
				}
				rest = append(rest, b)
			}
			if len(rest) > 0 {
				items = append(items, item{Type: "message", Role: "user", Content: encodeContent(rest, false)})
			}
		}
	}
	if items == nil {
		items = []item{}
	}
	out.Input, _ = json.Marshal(items)
	for _, t := range r.Tools {
		switch {
		case t.Kind == "":
			params := t.Schema
			if len(params) == 0 || !json.Valid(params) {
				params = json.RawMessage(`{"type":"object","properties":{}}`)
			}
			raw, _ := json.Marshal(tool{Type: "function", Name: t.Name, Description: t.Description, Parameters: params})
			out.Tools = append(out.Tools, raw)
		case len(t.Raw) > 0 && (t.Kind == "custom" || t.Kind == "web_search"):
			out.Tools = append(out.Tools, t.Raw)
		case t.Kind == "custom":
			raw, _ := json.Marshal(tool{Type: "function", Name: t.Name, Description: t.Description, Parameters: ir.CustomToolSchema})
			out.Tools = append(out.Tools, raw)
		}
	}
	if len(out.Tools) > 0 {
		switch r.ToolChoice.Mode {
		case "auto", "none", "required":
			out.ToolChoice, _ = json.Marshal(r.ToolChoice.Mode)
		case "tool":
			out.ToolChoice, _ = json.Marshal(map[string]string{"type": "function", "name": r.ToolChoice.Name})
		}
	} else {
		out.ParallelToolCalls = nil
	}
	if r.Reasoning.Wants() {
		eff := r.Reasoning.EffortOrBudget()
		if eff == "" {
			eff = "medium"
		}
		if eff == "max" {
			eff = "xhigh"
		}
		sum := r.Reasoning.Summary
		if sum == "" {
			sum = "auto"
		}
		out.Reasoning = &reasoning{Effort: eff, Summary: sum}
		out.Include = []string{"reasoning.encrypted_content"}
	}
	if rf := r.ResponseFormat; rf != nil {
		tf := &textFormat{Type: rf.Type}
		if rf.Type == "json_schema" {
			tf.Name, tf.Schema, tf.Strict = rf.Name, rf.Schema, rf.Strict
			if tf.Name == "" {
				tf.Name = "response"
			}
		}
		out.Text = &struct {
			Format    *textFormat `json:"format,omitempty"`
			Verbosity string      `json:"verbosity,omitempty"`
		}{Format: tf}
	}
	return json.Marshal(out)
}

// callID clamps a call id to the 64 characters Responses accepts.
func callID(id string) string {
	if len(id) > 64 {
		return id[:64]
	}
	if id == "" {
		return "call_ninerouter"
	}
	return id
}

func openaiResultText(b ir.Block) string {
	t := ir.TextOf(b.Content)
	if t == "" {
		t = b.Text
	}
	return t
}
