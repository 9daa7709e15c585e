// Package gemini is the Gemini generateContent codec: requests, responses and stream chunks to and from the
// neutral model. The model travels in the URL, not the body.
package gemini

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

type blob struct {
	MimeType string `json:"mimeType,omitempty"`
	Data     string `json:"data,omitempty"`
}

type fileData struct {
	MimeType string `json:"mimeType,omitempty"`
	FileURI  string `json:"fileUri"`
}

type functionCall struct {
	ID   string          `json:"id,omitempty"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args,omitempty"`
}

type functionResponse struct {
	ID       string          `json:"id,omitempty"`
	Name     string          `json:"name"`
	Response json.RawMessage `json:"response"`
}

type part struct {
	Text             *string           `json:"text,omitempty"`
	Thought          bool              `json:"thought,omitempty"`
	ThoughtSignature string            `json:"thoughtSignature,omitempty"`
	InlineData       *blob             `json:"inlineData,omitempty"`
	FileData         *fileData         `json:"fileData,omitempty"`
	FunctionCall     *functionCall     `json:"functionCall,omitempty"`
	FunctionResponse *functionResponse `json:"functionResponse,omitempty"`
}

type content struct {
	Role  string `json:"role,omitempty"`
	Parts []part `json:"parts"`
}

type funcDecl struct {
	Name                 string          `json:"name"`
	Description          string          `json:"description,omitempty"`
	Parameters           json.RawMessage `json:"parameters,omitempty"`
	ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema,omitempty"`
}

type toolDecl struct {
	FunctionDeclarations []funcDecl `json:"functionDeclarations,omitempty"`
}

type thinkingConfig struct {
	IncludeThoughts bool   `json:"includeThoughts,omitempty"`
	ThinkingBudget  *int   `json:"thinkingBudget,omitempty"`
	ThinkingLevel   string `json:"thinkingLevel,omitempty"`
}

type generationConfig struct {
	Temperature        *float64        `json:"temperature,omitempty"`
	TopP               *float64        `json:"topP,omitempty"`
	TopK               *int            `json:"topK,omitempty"`
	MaxOutputTokens    int             `json:"maxOutputTokens,omitempty"`
	StopSequences      []string        `json:"stopSequences,omitempty"`
	ResponseMimeType   string          `json:"responseMimeType,omitempty"`
	ResponseSchema     json.RawMessage `json:"responseSchema,omitempty"`
	ResponseJSONSchema json.RawMessage `json:"responseJsonSchema,omitempty"`
	ThinkingConfig     *thinkingConfig `json:"thinkingConfig,omitempty"`
}

type functionCallingConfig struct {
	Mode                 string   `json:"mode,omitempty"`
	AllowedFunctionNames []string `json:"allowedFunctionNames,omitempty"`
}

type request struct {
	Contents          []content         `json:"contents"`
	SystemInstruction *content          `json:"systemInstruction,omitempty"`
	Tools             []json.RawMessage `json:"tools,omitempty"`
	ToolConfig        *struct {
		FunctionCallingConfig *functionCallingConfig `json:"functionCallingConfig,omitempty"`
	} `json:"toolConfig,omitempty"`
	GenerationConfig *generationConfig `json:"generationConfig,omitempty"`
}

// SkipSignature is Google's documented placeholder for a function call whose thoughtSignature is unknown
// (history from another model); real signatures are replayed when they are Gemini's own.
const SkipSignature = "skip_thought_signature_validator"

func partsToIR(ps []part, calls *callIDs) []ir.Block {
	var out []ir.Block
	for _, p := range ps {
		sf, sig := ir.UnwrapSig(wire.Gemini, p.ThoughtSignature)
		switch {
		case p.FunctionCall != nil:
			id := p.FunctionCall.ID
			if id == "" {
				id = calls.call(p.FunctionCall.Name)
			} else {
				calls.known(id, p.FunctionCall.Name)
			}
			out = append(out, ir.Block{Kind: ir.ToolUse, ToolID: id, ToolName: p.FunctionCall.Name,
				Input: ir.ArgsJSON(string(p.FunctionCall.Args)), Signature: sig, SigFormat: sf})
		case p.FunctionResponse != nil:
			id := p.FunctionResponse.ID
			if id == "" {
				id = calls.result(p.FunctionResponse.Name)
			}
			out = append(out, ir.Block{Kind: ir.ToolResult, ToolID: id, ToolName: p.FunctionResponse.Name,
				Content: []ir.Block{{Kind: ir.Text, Text: responseText(p.FunctionResponse.Response)}}})
		case p.InlineData != nil:
			out = append(out, ir.Block{Kind: ir.Image, MediaType: p.InlineData.MimeType, ImageData: p.InlineData.Data})
		case p.FileData != nil:
			out = append(out, ir.Block{Kind: ir.Image, MediaType: p.FileData.MimeType, ImageURL: p.FileData.FileURI})
		case p.Thought:
			out = append(out, ir.ThinkingBlock(wire.Gemini, deref(p.Text), p.ThoughtSignature, ""))
		case p.Text != nil:
			if p.ThoughtSignature != "" && *p.Text == "" {
				// an empty part that only carries the signature: it belongs to the thinking before it
				out = append(out, ir.ThinkingBlock(wire.Gemini, "", p.ThoughtSignature, ""))
				continue
			}
			out = append(out, ir.Block{Kind: ir.Text, Text: *p.Text})
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// responseText turns a functionResponse.response into the text other formats carry: the "result"/"output"
// string when that is all there is, else the JSON.
func responseText(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil && len(m) == 1 {
		for _, k := range []string{"result", "output", "content"} {
			if v, ok := m[k]; ok {
				var s string
				if json.Unmarshal(v, &s) == nil {
					return s
				}
				return string(v)
			}
		}
	}
	return string(raw)
}

// callIDs gives Gemini's id-less function calls stable ids and matches each functionResponse to the oldest
// unanswered call of the same name.
type callIDs struct {
	n       int
	pending map[string][]string
}

func (c *callIDs) call(name string) string {
	c.n++
	id := "call_" + strconv.Itoa(c.n) + "_" + name
	c.known(id, name)
	return id
}

func (c *callIDs) known(id, name string) {
	if c.pending == nil {
		c.pending = map[string][]string{}
	}
	c.pending[name] = append(c.pending[name], id)
}

func (c *callIDs) result(name string) string {
	if q := c.pending[name]; len(q) > 0 {
		c.pending[name] = q[1:]
		return q[0]
	}
	c.n++
	return "call_" + strconv.Itoa(c.n) + "_" + name
}

// DecodeRequest reads a generateContent request (Gemini CLI sends parametersJsonSchema and replays
// thoughtSignature).
func DecodeRequest(body []byte) (*ir.Request, error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("gemini request: %w", err)
	}
	r := &ir.Request{}
	var calls callIDs
	if in.SystemInstruction != nil {
		r.System = partsToIR(in.SystemInstruction.Parts, &calls)
	}
	for _, c := range in.Contents {
		role := "user"
		if c.Role == "model" {
			role = "assistant"
		}
		r.Messages = append(r.Messages, ir.Message{Role: role, Blocks: partsToIR(c.Parts, &calls)})
	}
	for _, raw := range in.Tools {
		var t toolDecl
		if json.Unmarshal(raw, &t) != nil {
			continue
		}
		for _, f := range t.FunctionDeclarations {
			schema := f.ParametersJSONSchema
			if len(schema) == 0 {
				schema = f.Parameters
			}
			r.Tools = append(r.Tools, ir.Tool{Name: f.Name, Description: f.Description, Schema: schema})
		}
	}
	if in.ToolConfig != nil && in.ToolConfig.FunctionCallingConfig != nil {
		fc := in.ToolConfig.FunctionCallingConfig
		switch fc.Mode {
		case "AUTO", "VALIDATED":
			r.ToolChoice.Mode = "auto"
		case "NONE":
			r.ToolChoice.Mode = "none"
		case "ANY":
			r.ToolChoice.Mode = "required"
			if len(fc.AllowedFunctionNames) == 1 {
				r.ToolChoice = ir.ToolChoice{Mode: "tool", Name: fc.AllowedFunctionNames[0]}
			}
		}
	}
	if g := in.GenerationConfig; g != nil {
		r.Temperature, r.TopP, r.TopK, r.MaxTokens, r.Stop = g.Temperature, g.TopP, g.TopK, g.MaxOutputTokens, g.StopSequences
		if g.ResponseMimeType == "application/json" {
			r.ResponseFormat = &ir.ResponseFormat{Type: "json_object"}
			if s := g.ResponseJSONSchema; len(s) > 0 {
				r.ResponseFormat = &ir.ResponseFormat{Type: "json_schema", Name: "response", Schema: s}
			} else if s := g.ResponseSchema; len(s) > 0 {
				r.ResponseFormat = &ir.ResponseFormat{Type: "json_schema", Name: "response", Schema: lowerTypes(s)}
			}
		}
		if t := g.ThinkingConfig; t != nil {
			r.Reasoning.IncludeThoughts = t.IncludeThoughts
			if t.ThinkingBudget != nil {
				switch b := *t.ThinkingBudget; {
				case b == 0:
					r.Reasoning.Off = true
				case b > 0:
					r.Reasoning.Budget = b
				default: // -1: dynamic
					r.Reasoning.Effort = "medium"
				}
			}
			switch t.ThinkingLevel {
			case "MINIMAL", "minimal":
				r.Reasoning.Effort = "minimal"
			case "LOW", "low":
				r.Reasoning.Effort = "low"
			case "MEDIUM", "medium":
				r.Reasoning.Effort = "medium"
			case "HIGH", "high":
				r.Reasoning.Effort = "high"
			}
		}
	}
	return r, nil
}

// lowerTypes turns an OpenAPI responseSchema (type: "STRING") into JSON Schema (type: "string").
func lowerTypes(raw json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, val := range t {
				if s, ok := val.(string); ok && k == "type" {
					t[k] = toLower(s)
				} else {
					walk(val)
				}
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	b, _ := json.Marshal(v)
	return b
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func str(s string) *string { return &s }

// EncodeRequest writes a generateContent request. model and stream are carried by the URL.
func EncodeRequest(r *ir.Request, _ string, _ bool) ([]byte, error) {
	var out request
	sys := r.System
	for _, m := range r.Messages {
		if m.Role == "system" || m.Role == "developer" {
			sys = append(sys, m.Blocks...)
		}
	}
	if t := ir.TextOf(sys); t != "" {
		out.SystemInstruction = &content{Role: "user", Parts: []part{{Text: str(t)}}}
	}
	for _, m := range r.Messages {
		if m.Role == "system" || m.Role == "developer" {
			continue
		}
		role := "user"
		if m.Role == "assistant" {
			role = "model"
		}
		var ps []part
		for _, b := range m.Blocks {
			switch b.Kind {
			case ir.Text:
				if b.Text != "" {
					ps = append(ps, part{Text: str(b.Text)})
				}
			case ir.Image:
				if b.ImageData != "" {
					ps = append(ps, part{InlineData: &blob{MimeType: b.MediaType, Data: b.ImageData}})
				} else {
					mt := b.MediaType
					if mt == "" {
						mt = "image/png"
					}
					ps = append(ps, part{FileData: &fileData{MimeType: mt, FileURI: b.ImageURL}})
				}
			case ir.Thinking:
				if b.SigFormat == wire.Gemini && (b.Signature != "" || b.Text != "") {
					p := part{Text: str(b.Text), Thought: b.Text != "", ThoughtSignature: b.Signature}
					ps = append(ps, p)
				}
			case ir.ToolUse:
				sig := b.Signature
				if b.SigFormat != wire.Gemini || sig == "" {
					sig = SkipSignature
				}
				ps = append(ps, part{FunctionCall: &functionCall{Name: b.ToolName, Args: ir.ArgsJSON(string(b.Input))}, ThoughtSignature: sig})
			case ir.ToolResult:
				text := ir.TextOf(b.Content)
				key := "result"
				if b.IsError {
					key = "error"
				}
				resp, _ := json.Marshal(map[string]string{key: text})
				ps = append(ps, part{FunctionResponse: &functionResponse{Name: b.ToolName, Response: resp}})
			}
		}
		if len(ps) == 0 {
			continue
		}
		if n := len(out.Contents); n > 0 && out.Contents[n-1].Role == role {
			out.Contents[n-1].Parts = append(out.Contents[n-1].Parts, ps...)
			continue
		}
		out.Contents = append(out.Contents, content{Role: role, Parts: ps})
	}
	if out.Contents == nil {
		out.Contents = []content{}
	}
	var decls []funcDecl
	for _, t := range r.Tools {
		switch t.Kind {
		case "":
			decls = append(decls, funcDecl{Name: t.Name, Description: t.Description, Parameters: CleanSchema(t.Schema)})
		case "custom":
			decls = append(decls, funcDecl{Name: t.Name, Description: t.Description, Parameters: CleanSchema(ir.CustomToolSchema)})
		}
	}
	if len(decls) > 0 {
		raw, _ := json.Marshal(toolDecl{FunctionDeclarations: decls})
		out.Tools = []json.RawMessage{raw}
		fc := &functionCallingConfig{}
		switch r.ToolChoice.Mode {
		case "auto":
			fc.Mode = "AUTO"
		case "none":
			fc.Mode = "NONE"
		case "required":
			fc.Mode = "ANY"
		case "tool":
			fc.Mode, fc.AllowedFunctionNames = "ANY", []string{r.ToolChoice.Name}
		}
		if fc.Mode != "" {
			out.ToolConfig = &struct {
				FunctionCallingConfig *functionCallingConfig `json:"functionCallingConfig,omitempty"`
			}{fc}
		}
	}
	g := &generationConfig{Temperature: r.Temperature, TopP: r.TopP, TopK: r.TopK, MaxOutputTokens: r.MaxTokens, StopSequences: r.Stop}
	if rf := r.ResponseFormat; rf != nil && (rf.Type == "json_object" || rf.Type == "json_schema") {
		g.ResponseMimeType = "application/json"
		if len(rf.Schema) > 0 {
			g.ResponseJSONSchema = rf.Schema
		}
	}
	switch {
	case r.Reasoning.Off:
		zero := 0
		g.ThinkingConfig = &thinkingConfig{ThinkingBudget: &zero}
	case r.Reasoning.Wants():
		tc := &thinkingConfig{IncludeThoughts: true}
		if b := r.Reasoning.BudgetOrEffort(); b > 0 {
			tc.ThinkingBudget = &b
		} else {
			dyn := -1
			tc.ThinkingBudget = &dyn
		}
		g.ThinkingConfig = tc
	}
	out.GenerationConfig = g
	return json.Marshal(out)
}
