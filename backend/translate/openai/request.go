// Package openai is the OpenAI Chat Completions codec (also every OpenAI-compatible provider: DeepSeek, Groq,
// xAI, OpenRouter, Qwen...): requests, responses and stream chunks to and from the neutral model.
package openai

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ninerouter/ninerouter/backend/translate/ir"
)

type imageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

type part struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *imageURL `json:"image_url,omitempty"`
}

type function struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

type toolCall struct {
	Index    *int     `json:"index,omitempty"`
	ID       string   `json:"id,omitempty"`
	Type     string   `json:"type,omitempty"`
	Function function `json:"function"`
}

type message struct {
	Role             string          `json:"role"`
	Content          json.RawMessage `json:"content,omitempty"`
	Name             string          `json:"name,omitempty"`
	ToolCalls        []toolCall      `json:"tool_calls,omitempty"`
	ToolCallID       string          `json:"tool_call_id,omitempty"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	Reasoning        string          `json:"reasoning,omitempty"`
	Refusal          string          `json:"refusal,omitempty"`
}

type funcDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

type tool struct {
	Type     string   `json:"type"`
	Function *funcDef `json:"function,omitempty"`
}

type jsonSchema struct {
	Name   string          `json:"name"`
	Schema json.RawMessage `json:"schema,omitempty"`
	Strict bool            `json:"strict,omitempty"`
}

type responseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *jsonSchema `json:"json_schema,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type request struct {
	Model               string          `json:"model"`
	Messages            []message       `json:"messages"`
	Tools               []tool          `json:"tools,omitempty"`
	ToolChoice          json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	MaxTokens           int             `json:"max_tokens,omitempty"`
	MaxCompletionTokens int             `json:"max_completion_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	Stop                json.RawMessage `json:"stop,omitempty"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *streamOptions  `json:"stream_options,omitempty"`
	ReasoningEffort     string          `json:"reasoning_effort,omitempty"`
	ResponseFormat      *responseFormat `json:"response_format,omitempty"`
	User                string          `json:"user,omitempty"`
	PromptCacheKey      string          `json:"prompt_cache_key,omitempty"`
}

func decodeContent(raw json.RawMessage) ([]ir.Block, error) {
	return ir.DecodeContent(raw, func(p part) (ir.Block, bool) {
		switch p.Type {
		case "text", "input_text", "output_text":
			return ir.Block{Kind: ir.Text, Text: p.Text}, true
		case "image_url":
			if p.ImageURL != nil {
				return ir.ImageBlock(p.ImageURL.URL), true
			}
		}
		return ir.Block{}, false
	})
}

// DecodeRequest reads a Chat Completions request.
func DecodeRequest(body []byte) (*ir.Request, error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("chat completions request: %w", err)
	}
	r := &ir.Request{Model: in.Model, Temperature: in.Temperature, TopP: in.TopP, Stream: in.Stream,
		ParallelToolCalls: in.ParallelToolCalls, User: in.User, CacheKey: in.PromptCacheKey}
	r.MaxTokens = in.MaxCompletionTokens
	if r.MaxTokens == 0 {
		r.MaxTokens = in.MaxTokens
	}
	if len(in.Stop) > 0 {
		var one string
		if json.Unmarshal(in.Stop, &one) == nil {
			r.Stop = []string{one}
		} else {
			_ = json.Unmarshal(in.Stop, &r.Stop)
		}
	}
	leading := true
	for i, m := range in.Messages {
		bs, err := decodeContent(m.Content)
		if err != nil {
			return nil, fmt.Errorf("messages[%d].content: %w", i, err)
		}
		switch m.Role {
		case "system", "developer":
			if leading {
				r.System = append(r.System, bs...)
			} else {
				r.Messages = append(r.Messages, ir.Message{Role: "system", Blocks: bs})
			}
			continue
		case "tool", "function":
			res := ir.Block{Kind: ir.ToolResult, ToolID: m.ToolCallID, ToolName: m.Name, Content: bs}
			if n := len(r.Messages); n > 0 && r.Messages[n-1].Role == "user" && isToolResults(r.Messages[n-1].Blocks) {
				r.Messages[n-1].Blocks = append(r.Messages[n-1].Blocks, res)
			} else {
				r.Messages = append(r.Messages, ir.Message{Role: "user", Blocks: []ir.Block{res}})
			}
		case "assistant":
			var out []ir.Block
			if t := m.ReasoningContent + m.Reasoning; t != "" {
				out = append(out, ir.Block{Kind: ir.Thinking, Text: t})
			}
			out = append(out, bs...)
			for _, tc := range m.ToolCalls {
				out = append(out, ir.Block{Kind: ir.ToolUse, ToolID: tc.ID, ToolName: tc.Function.Name, Input: ir.ArgsJSON(tc.Function.Arguments)})
			}
			r.Messages = append(r.Messages, ir.Message{Role: "assistant", Blocks: out})
		default:
			r.Messages = append(r.Messages, ir.Message{Role: "user", Blocks: bs})
		}
		leading = false
	}
	for _, t := range in.Tools {
		if t.Function == nil {
			continue
		}
		r.Tools = append(r.Tools, ir.Tool{Name: t.Function.Name, Description: t.Function.Description, Schema: t.Function.Parameters})
	}
	r.ToolChoice = decodeToolChoice(in.ToolChoice)
	if in.ReasoningEffort != "" {
		r.Reasoning.Effort = in.ReasoningEffort
		r.Reasoning.Off = in.ReasoningEffort == "none"
		r.Reasoning.IncludeThoughts = true
	}
	if rf := in.ResponseFormat; rf != nil && rf.Type != "text" {
		r.ResponseFormat = &ir.ResponseFormat{Type: rf.Type}
		if rf.JSONSchema != nil {
			r.ResponseFormat.Name, r.ResponseFormat.Schema, r.ResponseFormat.Strict = rf.JSONSchema.Name, rf.JSONSchema.Schema, rf.JSONSchema.Strict
		}
	}
	return r, nil
}

func isToolResults(bs []ir.Block) bool {
	for _, b := range bs {
		if b.Kind != ir.ToolResult {
			return false
		}
	}
	return len(bs) > 0
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
		Type     string `json:"type"`
		Name     string `json:"name"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &o) == nil {
		name := o.Function.Name
		if name == "" {
			name = o.Name
		}
		if name != "" {
			return ir.ToolChoice{Mode: "tool", Name: name}
		}
		return ir.ToolChoice{Mode: o.Type}
	}
	return ir.ToolChoice{}
}

func encodeParts(bs []ir.Block) json.RawMessage {
	var parts []part
	textOnly := true
	for _, b := range bs {
		switch b.Kind {
		case ir.Text:
			parts = append(parts, part{Type: "text", Text: b.Text})
		case ir.Image:
			textOnly = false
			parts = append(parts, part{Type: "image_url", ImageURL: &imageURL{URL: ir.ImageURL(b)}})
		}
	}
	if textOnly {
		s, _ := json.Marshal(ir.TextOf(bs))
		return s
	}
	out, _ := json.Marshal(parts)
	return out
}

// resultText renders a tool result's content as the text of a tool message.
func resultText(b ir.Block) string {
	t := ir.TextOf(b.Content)
	if t == "" && b.Text != "" {
		t = b.Text
	}
	return t
}

// usesCompletionTokens: OpenAI's reasoning models reject max_tokens (fixture reasoning-model-legacy-parameter-error).
func usesCompletionTokens(model string) bool {
	m := model
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	return strings.HasPrefix(m, "o1") || strings.HasPrefix(m, "o3") || strings.HasPrefix(m, "o4") || strings.HasPrefix(m, "gpt-5")
}

// EncodeRequest writes a Chat Completions request.
func EncodeRequest(r *ir.Request, model string, stream bool) ([]byte, error) {
	if model == "" {
		model = r.Model
	}
	out := request{Model: model, Temperature: r.Temperature, TopP: r.TopP, Stream: stream, User: r.User,
		PromptCacheKey: r.CacheKey, ParallelToolCalls: r.ParallelToolCalls}
	if stream {
		out.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	if r.MaxTokens > 0 {
		if usesCompletionTokens(model) {
			out.MaxCompletionTokens = r.MaxTokens
		} else {
			out.MaxTokens = r.MaxTokens
		}
	}
	if len(r.Stop) > 0 {
		out.Stop, _ = json.Marshal(r.Stop)
	}
	if sys := ir.TextOf(r.System); sys != "" {
		c, _ := json.Marshal(sys)
		out.Messages = append(out.Messages, message{Role: "system", Content: c})
	}
	for _, m := range r.Messages {
		switch m.Role {
		case "system", "developer":
			out.Messages = append(out.Messages, message{Role: "system", Content: encodeParts(m.Blocks)})
		case "assistant":
			msg := message{Role: "assistant"}
			var text strings.Builder
			for _, b := range m.Blocks {
				switch b.Kind {
				case ir.Text:
					text.WriteString(b.Text)
				case ir.Thinking:
					msg.ReasoningContent += b.Text
				case ir.ToolUse:
					msg.ToolCalls = append(msg.ToolCalls, toolCall{ID: b.ToolID, Type: "function",
						Function: function{Name: b.ToolName, Arguments: string(ir.ArgsJSON(string(b.Input)))}})
				}
			}
			if text.Len() > 0 || len(msg.ToolCalls) == 0 {
				msg.Content, _ = json.Marshal(text.String())
			}
			out.Messages = append(out.Messages, msg)
		default:
			var rest []ir.Block
			for _, b := range m.Blocks {
				if b.Kind == ir.ToolResult {
					c, _ := json.Marshal(resultText(b))
					out.Messages = append(out.Messages, message{Role: "tool", ToolCallID: b.ToolID, Content: c})
					continue
				}
				rest = append(rest, b)
			}
			if len(rest) > 0 {
				out.Messages = append(out.Messages, message{Role: "user", Content: encodeParts(rest)})
			}
		}
	}
	for _, t := range r.Tools {
		switch t.Kind {
		case "":
			params := t.Schema
			if len(params) == 0 || !json.Valid(params) {
				params = json.RawMessage(`{"type":"object","properties":{}}`)
			}
			out.Tools = append(out.Tools, tool{Type: "function", Function: &funcDef{Name: t.Name, Description: t.Description, Parameters: params}})
		case "custom":
			out.Tools = append(out.Tools, tool{Type: "function", Function: &funcDef{Name: t.Name, Description: t.Description, Parameters: ir.CustomToolSchema}})
		}
	}
	if len(out.Tools) > 0 {
		switch r.ToolChoice.Mode {
		case "auto", "none", "required":
			out.ToolChoice, _ = json.Marshal(r.ToolChoice.Mode)
		case "tool":
			out.ToolChoice, _ = json.Marshal(map[string]any{"type": "function", "function": map[string]string{"name": r.ToolChoice.Name}})
		}
	} else {
		out.ParallelToolCalls = nil
	}
	if r.Reasoning.Off {
		// leave reasoning_effort unset: not every compatible provider knows "none"
	} else if r.Reasoning.Wants() {
		eff := r.Reasoning.EffortOrBudget()
		if eff == "" {
			eff = "medium"
		}
		if eff == "max" {
			eff = "xhigh"
		}
		out.ReasoningEffort = eff
	}
	if rf := r.ResponseFormat; rf != nil {
		out.ResponseFormat = &responseFormat{Type: rf.Type}
		if rf.Type == "json_schema" {
			name := rf.Name
			if name == "" {
				name = "response"
			}
			out.ResponseFormat.JSONSchema = &jsonSchema{Name: name, Schema: rf.Schema, Strict: rf.Strict}
		}
	}
	if out.Messages == nil {
		out.Messages = []message{}
	}
	return json.Marshal(out)
}
