package kiro

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// The CodeWhisperer conversationState request (docs/subscriptions.md "Kiro"): the conversation is a history of
// alternating user / assistant messages that starts with a user message, and a current message that is always a
// user message. Tool definitions ride on the current message; tool results on the user message that answers the
// tool calls. The system prompt has no field of its own and opens the first user message.

type kiroImage struct {
	Format string `json:"format"`
	Source struct {
		Bytes string `json:"bytes"`
	} `json:"source"`
}

type kiroToolResult struct {
	ToolUseID string           `json:"toolUseId"`
	Status    string           `json:"status"`
	Content   []map[string]any `json:"content"`
}

type kiroToolUse struct {
	ToolUseID string          `json:"toolUseId"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
}

type kiroTool struct {
	ToolSpecification struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		InputSchema struct {
			JSON json.RawMessage `json:"json"`
		} `json:"inputSchema"`
	} `json:"toolSpecification"`
}

type userContext struct {
	Tools       []kiroTool       `json:"tools,omitempty"`
	ToolResults []kiroToolResult `json:"toolResults,omitempty"`
}

type userInput struct {
	Content string       `json:"content"`
	ModelID string       `json:"modelId"`
	Origin  string       `json:"origin"`
	Images  []kiroImage  `json:"images,omitempty"`
	Context *userContext `json:"userInputMessageContext,omitempty"`
}

type assistantResponse struct {
	Content  string        `json:"content"`
	ToolUses []kiroToolUse `json:"toolUses,omitempty"`
}

type historyEntry struct {
	User      *userInput         `json:"userInputMessage,omitempty"`
	Assistant *assistantResponse `json:"assistantResponseMessage,omitempty"`
}

type kiroRequest struct {
	ConversationState struct {
		ChatTriggerType string `json:"chatTriggerType"`
		ConversationID  string `json:"conversationId"`
		CurrentMessage  struct {
			UserInputMessage userInput `json:"userInputMessage"`
		} `json:"currentMessage"`
		History []historyEntry `json:"history,omitempty"`
	} `json:"conversationState"`
	ProfileARN      string         `json:"profileArn,omitempty"`
	InferenceConfig map[string]any `json:"inferenceConfig,omitempty"`
}

// maxOutput is the output bound Kiro accepts (9Router fixes it at this value).
const maxOutput = 32000

// emptyTurn stands in for a turn with no text (Kiro refuses empty content).
const emptyTurn = "."

// Body converts an Anthropic Messages request into Kiro's conversationState for model.
func Body(anthropicBody []byte, model, profileARN string) ([]byte, error) {
	if !gjson.ValidBytes(anthropicBody) {
		return nil, errors.New("the request body is not JSON")
	}
	root := gjson.ParseBytes(anthropicBody)
	var msgs []historyEntry
	for _, m := range root.Get("messages").Array() {
		var e historyEntry
		switch m.Get("role").String() {
		case "user":
			e.User = userMessage(m.Get("content"), model)
		case "assistant":
			e.Assistant = assistantMessage(m.Get("content"))
		default:
			return nil, fmt.Errorf("message role %q is not user or assistant", m.Get("role").String())
		}
		msgs = appendMerged(msgs, e)
	}
	if len(msgs) == 0 {
		return nil, errors.New("the request has no messages")
	}
	if msgs[0].User == nil { // the history must open with a user turn
		msgs = append([]historyEntry{{User: &userInput{Content: emptyTurn, ModelID: model, Origin: "AI_EDITOR"}}}, msgs...)
	}
	if system := blockText(root.Get("system")); system != "" {
		first := msgs[0].User
		if first.Content == emptyTurn {
			first.Content = system
		} else {
			first.Content = system + "\n\n" + first.Content
		}
	}
	if msgs[len(msgs)-1].User == nil { // an assistant prefill: the current message must be a user one
		msgs = append(msgs, historyEntry{User: &userInput{Content: "Continue.", ModelID: model, Origin: "AI_EDITOR"}})
	}
	current := msgs[len(msgs)-1].User
	if tools := root.Get("tools"); tools.IsArray() && len(tools.Array()) > 0 {
		if current.Context == nil {
			current.Context = &userContext{}
		}
		for _, t := range tools.Array() {
			var kt kiroTool
			kt.ToolSpecification.Name = t.Get("name").String()
			kt.ToolSpecification.Description = t.Get("description").String()
			if kt.ToolSpecification.Description == "" {
				kt.ToolSpecification.Description = kt.ToolSpecification.Name
			}
			schema := t.Get("input_schema").Raw
			if schema == "" {
				schema = `{"type":"object","properties":{}}`
			}
			kt.ToolSpecification.InputSchema.JSON = json.RawMessage(schema)
			current.Context.Tools = append(current.Context.Tools, kt)
		}
	}
	var req kiroRequest
	req.ConversationState.ChatTriggerType = "MANUAL"
	req.ConversationState.ConversationID = newID()
	req.ConversationState.CurrentMessage.UserInputMessage = *current
	req.ConversationState.History = msgs[:len(msgs)-1]
	req.ProfileARN = profileARN
	req.InferenceConfig = map[string]any{"maxTokens": maxOutput}
	if n := root.Get("max_tokens").Int(); n > 0 && n < maxOutput {
		req.InferenceConfig["maxTokens"] = n
	}
	for from, to := range map[string]string{"temperature": "temperature", "top_p": "topP"} {
		if v := root.Get(from); v.Type == gjson.Number {
			req.InferenceConfig[to] = v.Float()
		}
	}
	return json.Marshal(req)
}

// appendMerged appends e, joining it to the previous entry when both are from the same side (the history must
// alternate).
func appendMerged(msgs []historyEntry, e historyEntry) []historyEntry {
	if len(msgs) == 0 {
		return append(msgs, e)
	}
	last := &msgs[len(msgs)-1]
	switch {
	case last.User != nil && e.User != nil:
		last.User.Content = joinText(last.User.Content, e.User.Content)
		last.User.Images = append(last.User.Images, e.User.Images...)
		if e.User.Context != nil {
			if last.User.Context == nil {
				last.User.Context = &userContext{}
			}
			last.User.Context.ToolResults = append(last.User.Context.ToolResults, e.User.Context.ToolResults...)
		}
	case last.Assistant != nil && e.Assistant != nil:
		last.Assistant.Content = joinText(last.Assistant.Content, e.Assistant.Content)
		last.Assistant.ToolUses = append(last.Assistant.ToolUses, e.Assistant.ToolUses...)
	default:
		return append(msgs, e)
	}
	return msgs
}

func joinText(a, b string) string {
	switch {
	case a == emptyTurn || a == "":
		return b
	case b == emptyTurn || b == "":
		return a
	}
	return a + "\n\n" + b
}

// blockText is the text of an Anthropic content value: the string itself, or its text blocks joined.
func blockText(c gjson.Result) string {
	if c.Type == gjson.String {
		return c.String()
	}
	var parts []string
	for _, b := range c.Array() {
		if b.Get("type").String() == "text" {
			parts = append(parts, b.Get("text").String())
		}
	}
	return strings.Join(parts, "\n")
}

func userMessage(content gjson.Result, model string) *userInput {
	u := &userInput{ModelID: model, Origin: "AI_EDITOR", Content: blockText(content)}
	for _, b := range content.Array() {
		switch b.Get("type").String() {
		case "image":
			if b.Get("source.type").String() != "base64" {
				continue // Kiro takes image bytes only; a URL image is left out
			}
			var img kiroImage
			img.Format = strings.TrimPrefix(b.Get("source.media_type").String(), "image/")
			img.Source.Bytes = b.Get("source.data").String()
			u.Images = append(u.Images, img)
		case "tool_result":
			if u.Context == nil {
				u.Context = &userContext{}
			}
			status := "success"
			if b.Get("is_error").Bool() {
				status = "error"
			}
			u.Context.ToolResults = append(u.Context.ToolResults, kiroToolResult{ToolUseID: b.Get("tool_use_id").String(),
				Status: status, Content: []map[string]any{{"text": resultText(b.Get("content"))}}})
		}
	}
	if strings.TrimSpace(u.Content) == "" {
		u.Content = emptyTurn
	}
	return u
}

func resultText(c gjson.Result) string {
	if t := blockText(c); t != "" {
		return t
	}
	return emptyTurn
}

func assistantMessage(content gjson.Result) *assistantResponse {
	a := &assistantResponse{Content: blockText(content)}
	for _, b := range content.Array() {
		switch b.Get("type").String() {
		case "tool_use":
			input := b.Get("input").Raw
			if input == "" {
				input = "{}"
			}
			a.ToolUses = append(a.ToolUses, kiroToolUse{ToolUseID: b.Get("id").String(), Name: b.Get("name").String(),
				Input: json.RawMessage(input)})
		}
	}
	if strings.TrimSpace(a.Content) == "" {
		a.Content = emptyTurn
	}
	return a
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
