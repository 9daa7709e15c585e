// Package ollama serves Ollama's chat API (POST /api/chat) on top of the OpenAI Chat codec: a request becomes a
// Chat Completions request, and the Chat Completions answer (SSE or JSON) becomes Ollama's NDJSON lines or
// single JSON object. Ollama is a client dialect only, so it is an adapter rather than a fifth codec.
package ollama

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/translate/internal/jsonx"
)

type message struct {
	Role      string     `json:"role"`
	Content   string     `json:"content"`
	Thinking  string     `json:"thinking,omitempty"`
	Images    []string   `json:"images,omitempty"`
	ToolCalls []toolCall `json:"tool_calls,omitempty"`
	ToolName  string     `json:"tool_name,omitempty"`
}

type toolCall struct {
	Function struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

type request struct {
	Model    string            `json:"model"`
	Messages []message         `json:"messages"`
	Tools    []json.RawMessage `json:"tools,omitempty"`
	Format   json.RawMessage   `json:"format,omitempty"`
	Stream   *bool             `json:"stream,omitempty"`
	Think    json.RawMessage   `json:"think,omitempty"`
	Options  struct {
		Temperature *float64 `json:"temperature,omitempty"`
		TopP        *float64 `json:"top_p,omitempty"`
		NumPredict  int      `json:"num_predict,omitempty"`
		Stop        []string `json:"stop,omitempty"`
	} `json:"options"`
}

// Request turns an Ollama chat request into a Chat Completions body; stream defaults to true as in Ollama.
func Request(body []byte) (out []byte, model string, stream bool, err error) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, "", false, fmt.Errorf("ollama chat request: %w", err)
	}
	stream = in.Stream == nil || *in.Stream
	type oaFunc struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	}
	type oaCall struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function oaFunc `json:"function"`
	}
	type oaMsg struct {
		Role       string   `json:"role"`
		Content    any      `json:"content"`
		ToolCalls  []oaCall `json:"tool_calls,omitempty"`
		ToolCallID string   `json:"tool_call_id,omitempty"`
	}
	var msgs []oaMsg
	var pending []string // ids of calls not yet answered, in order, for tool messages without ids
	n := 0
	for _, m := range in.Messages {
		switch m.Role {
		case "assistant":
			om := oaMsg{Role: "assistant", Content: m.Content}
			for _, tc := range m.ToolCalls {
				n++
				id := fmt.Sprintf("call_%d_%s", n, tc.Function.Name)
				pending = append(pending, id)
				args := string(tc.Function.Arguments)
				if args == "" || args == "null" {
					args = "{}"
				}
				om.ToolCalls = append(om.ToolCalls, oaCall{ID: id, Type: "function", Function: oaFunc{tc.Function.Name, args}})
			}
			msgs = append(msgs, om)
		case "tool":
			id := "call_unknown"
			if len(pending) > 0 {
				id, pending = pending[0], pending[1:]
			}
			msgs = append(msgs, oaMsg{Role: "tool", Content: m.Content, ToolCallID: id})
		default:
			if len(m.Images) == 0 {
				msgs = append(msgs, oaMsg{Role: m.Role, Content: m.Content})
				continue
			}
			parts := []any{map[string]string{"type": "text", "text": m.Content}}
			for _, img := range m.Images {
				parts = append(parts, map[string]any{"type": "image_url", "image_url": map[string]string{"url": "data:" + sniffImage(img) + ";base64," + img}})
			}
			msgs = append(msgs, oaMsg{Role: m.Role, Content: parts})
		}
	}
	oa := map[string]any{"model": in.Model, "messages": msgs, "stream": stream}
	if stream {
		oa["stream_options"] = map[string]bool{"include_usage": true}
	}
	if len(in.Tools) > 0 {
		oa["tools"] = in.Tools
	}
	if o := in.Options; o.Temperature != nil {
		oa["temperature"] = *o.Temperature
	}
	if in.Options.TopP != nil {
		oa["top_p"] = *in.Options.TopP
	}
	if in.Options.NumPredict > 0 {
		oa["max_tokens"] = in.Options.NumPredict
	}
	if len(in.Options.Stop) > 0 {
		oa["stop"] = in.Options.Stop
	}
	switch f := bytes.TrimSpace(in.Format); {
	case string(f) == `"json"`:
		oa["response_format"] = map[string]string{"type": "json_object"}
	case len(f) > 0 && f[0] == '{':
		oa["response_format"] = map[string]any{"type": "json_schema", "json_schema": map[string]any{"name": "response", "schema": f}}
	}
	switch t := strings.Trim(string(in.Think), `"`); t {
	case "true":
		oa["reasoning_effort"] = "medium"
	case "low", "medium", "high":
		oa["reasoning_effort"] = t
	}
	out, err = json.Marshal(oa)
	return out, in.Model, stream, err
}

func sniffImage(b64 string) string {
	switch {
	case strings.HasPrefix(b64, "/9j/"):
		return "image/jpeg"
	case strings.HasPrefix(b64, "R0lGOD"):
		return "image/gif"
	case strings.HasPrefix(b64, "UklGR"):
		return "image/webp"
	}
	return "image/png"
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

func doneReason(fr string) string {
	switch fr {
	case "length":
		return "length"
	case "", "tool_calls", "stop":
		return "stop"
	}
	return fr
}

// Response turns a chat.completion body into Ollama's non-stream answer.
func Response(model string, body []byte) []byte {
	root := gjson.ParseBytes(body)
	msg := root.Get("choices.0.message")
	out := map[string]any{
		"model": model, "created_at": now(), "done": true,
		"done_reason":       doneReason(root.Get("choices.0.finish_reason").String()),
		"prompt_eval_count": root.Get("usage.prompt_tokens").Int(), "eval_count": root.Get("usage.completion_tokens").Int(),
		"total_duration": 0, "load_duration": 0, "prompt_eval_duration": 0, "eval_duration": 0,
	}
	m := map[string]any{"role": "assistant", "content": msg.Get("content").String()}
	if t := msg.Get("reasoning_content").String(); t != "" {
		m["thinking"] = t
	}
	var calls []map[string]any
	msg.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		calls = append(calls, map[string]any{"function": map[string]any{"name": tc.Get("function.name").String(),
			"arguments": json.RawMessage(argsObject(tc.Get("function.arguments").String()))}})
		return true
	})
	if calls != nil {
		m["tool_calls"] = calls
	}
	out["message"] = m
	b, _ := json.Marshal(out)
	return b
}

func argsObject(s string) string {
	if gjson.Valid(s) && strings.HasPrefix(strings.TrimSpace(s), "{") {
		return s
	}
	return "{}"
}

// ErrorBody is Ollama's error shape, {"error":"message"}, from any vendor error body.
func ErrorBody(body []byte) []byte {
	msg := gjson.GetBytes(body, "error.message").String()
	if msg == "" {
		msg = gjson.GetBytes(body, "error").String()
	}
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	b := jsonx.String([]byte(`{"error":`), msg)
	return append(b, '}', '\n')
}

// Stream turns Chat Completions SSE bytes, fed in arbitrary pieces, into Ollama NDJSON lines. Tool calls are
// gathered and sent whole with the final line, as Ollama does.
type Stream struct {
	Model  string
	buf    []byte
	calls  []call
	reason string
	usage  gjson.Result
	done   bool
}

type call struct {
	name string
	args []byte
}

// maxCalls bounds the tool-call index an upstream chunk may name (a hostile index must not allocate).
const maxCalls = 128

// Feed appends the NDJSON for every complete SSE event in p to dst.
func (s *Stream) Feed(dst, p []byte) []byte {
	// Only the new bytes (and the one before them) are searched for the event boundary: rescanning the whole
	// buffer on every write would be quadratic on a long event.
	from := max(0, len(s.buf)-1)
	s.buf = append(s.buf, p...)
	for {
		i := bytes.Index(s.buf[from:], []byte("\n\n"))
		if i < 0 {
			if len(s.buf) > maxEvent {
				s.buf = s.buf[:0] // a runaway event is dropped, not buffered without end
			}
			return dst
		}
		i += from
		dst = s.event(dst, s.buf[:i])
		s.buf = s.buf[i+2:]
		from = 0
	}
}

// maxEvent bounds one buffered SSE event.
const maxEvent = 32 << 20

func (s *Stream) event(dst, ev []byte) []byte {
	var data []byte
	for _, line := range bytes.Split(ev, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			data = append(data, bytes.TrimPrefix(v, []byte(" "))...)
		}
	}
	if len(data) == 0 {
		return dst
	}
	if string(data) == "[DONE]" {
		return s.Close(dst)
	}
	root := gjson.ParseBytes(data)
	if e := root.Get("error"); e.Exists() {
		s.done = true // an in-band error ends the stream: no done line follows
		return append(dst, ErrorBody(data)...)
	}
	if u := root.Get("usage"); u.IsObject() {
		s.usage = u
	}
	ch := root.Get("choices.0")
	dl := ch.Get("delta")
	content, thinking := dl.Get("content").String(), dl.Get("reasoning_content").String()
	dl.Get("tool_calls").ForEach(func(_, tc gjson.Result) bool {
		i := int(tc.Get("index").Int())
		if i < 0 || i >= maxCalls {
			return true
		}
		for len(s.calls) <= i {
			s.calls = append(s.calls, call{})
		}
		if n := tc.Get("function.name").String(); n != "" {
			s.calls[i].name = n
		}
		s.calls[i].args = append(s.calls[i].args, tc.Get("function.arguments").String()...)
		return true
	})
	if fr := ch.Get("finish_reason").String(); fr != "" {
		s.reason = fr
	}
	if content == "" && thinking == "" {
		return dst
	}
	dst = s.head(dst)
	dst = append(dst, `"content":`...)
	dst = jsonx.String(dst, content)
	if thinking != "" {
		dst = append(dst, `,"thinking":`...)
		dst = jsonx.String(dst, thinking)
	}
	return append(dst, "},\"done\":false}\n"...)
}

func (s *Stream) head(dst []byte) []byte {
	dst = append(dst, `{"model":`...)
	dst = jsonx.String(dst, s.Model)
	dst = append(dst, `,"created_at":`...)
	dst = jsonx.String(dst, now())
	return append(dst, `,"message":{"role":"assistant",`...)
}

// Close appends the final line (tool calls, done_reason, token counts) once.
func (s *Stream) Close(dst []byte) []byte {
	if s.done {
		return dst
	}
	s.done = true
	dst = s.head(dst)
	dst = append(dst, `"content":""`...)
	if len(s.calls) > 0 {
		dst = append(dst, `,"tool_calls":[`...)
		for i := range s.calls {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"function":{"name":`...)
			dst = jsonx.String(dst, s.calls[i].name)
			dst = append(dst, `,"arguments":`...)
			dst = append(dst, argsObject(string(s.calls[i].args))...)
			dst = append(dst, "}}"...)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"done":true,"done_reason":`...)
	dst = jsonx.String(dst, doneReason(s.reason))
	dst = append(dst, `,"total_duration":0,"load_duration":0,"prompt_eval_count":`...)
	dst = jsonx.Int(dst, s.usage.Get("prompt_tokens").Int())
	dst = append(dst, `,"prompt_eval_duration":0,"eval_count":`...)
	dst = jsonx.Int(dst, s.usage.Get("completion_tokens").Int())
	return append(dst, ",\"eval_duration\":0}\n"...)
}
