package mockupstream

import (
	"bufio"
	"encoding/json"
	"strings"
)

// event is one SSE event the mock sends.
type event struct {
	format Format
	name   string
	data   []byte
	final  bool // the stream's terminator, dropped by the Truncate fault
}

func writeEvent(w *bufio.Writer, ev event) {
	if ev.name != "" {
		w.WriteString("event: ")
		w.WriteString(ev.name)
		w.WriteByte('\n')
	}
	w.WriteString("data: ")
	w.Write(ev.data)
	w.WriteString("\n\n")
}

func js(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

type answer struct {
	f            Format
	model        string
	text         string
	chunks       int
	in, out      int64
	includeUsage bool
}

// pieces splits the text into n roughly equal parts.
func (a answer) pieces() []string {
	words := strings.SplitAfter(a.text, " ")
	out := make([]string, a.chunks)
	for i, w := range words {
		out[i*a.chunks/len(words)] += w
	}
	return out
}

// whole is the non-streaming answer.
func (a answer) whole() []byte {
	switch a.f {
	case Anthropic:
		return js(map[string]any{"id": "msg_mock", "type": "message", "role": "assistant", "model": a.model,
			"content": []any{map[string]any{"type": "text", "text": a.text}}, "stop_reason": "end_turn", "stop_sequence": nil,
			"usage": map[string]any{"input_tokens": a.in, "output_tokens": a.out}})
	case Responses:
		return js(a.responseObject("completed"))
	case Gemini:
		return js(map[string]any{"candidates": []any{map[string]any{"content": map[string]any{"role": "model",
			"parts": []any{map[string]any{"text": a.text}}}, "finishReason": "STOP", "index": 0}},
			"usageMetadata": map[string]any{"promptTokenCount": a.in, "candidatesTokenCount": a.out, "totalTokenCount": a.in + a.out},
			"modelVersion":  a.model})
	default:
		return js(map[string]any{"id": "chatcmpl-mock", "object": "chat.completion", "created": 1700000000, "model": a.model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": a.text},
				"finish_reason": "stop", "logprobs": nil}},
			"usage": map[string]any{"prompt_tokens": a.in, "completion_tokens": a.out, "total_tokens": a.in + a.out}})
	}
}

func (a answer) responseObject(status string) map[string]any {
	obj := map[string]any{"id": "resp_mock", "object": "response", "created_at": 1700000000, "status": status,
		"model": a.model, "output": []any{}, "parallel_tool_calls": true, "tool_choice": "auto", "tools": []any{},
		"temperature": 1.0, "top_p": 1.0}
	if status == "completed" {
		obj["output"] = []any{map[string]any{"type": "message", "id": "msg_mock", "status": "completed", "role": "assistant",
			"content": []any{map[string]any{"type": "output_text", "text": a.text, "annotations": []any{}}}}}
		obj["usage"] = map[string]any{"input_tokens": a.in, "output_tokens": a.out, "total_tokens": a.in + a.out,
			"input_tokens_details": map[string]any{"cached_tokens": 0}, "output_tokens_details": map[string]any{"reasoning_tokens": 0}}
	}
	return obj
}

// events is the streaming answer.
func (a answer) events() []event {
	var evs []event
	add := func(name string, v any, final bool) {
		evs = append(evs, event{format: a.f, name: name, data: js(v), final: final})
	}
	parts := a.pieces()
	switch a.f {
	case Anthropic:
		add("message_start", map[string]any{"type": "message_start", "message": map[string]any{"id": "msg_mock", "type": "message",
			"role": "assistant", "model": a.model, "content": []any{}, "stop_reason": nil, "stop_sequence": nil,
			"usage": map[string]any{"input_tokens": a.in, "output_tokens": 1}}}, false)
		add("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}}, false)
		for _, p := range parts {
			add("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": p}}, false)
		}
		add("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0}, false)
		add("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil},
			"usage": map[string]any{"output_tokens": a.out}}, false)
		add("message_stop", map[string]any{"type": "message_stop"}, true)
	case Responses:
		seq := 0
		next := func() int { seq++; return seq }
		add("response.created", map[string]any{"type": "response.created", "sequence_number": next(), "response": a.responseObject("in_progress")}, false)
		add("response.output_item.added", map[string]any{"type": "response.output_item.added", "sequence_number": next(), "output_index": 0,
			"item": map[string]any{"type": "message", "id": "msg_mock", "status": "in_progress", "role": "assistant", "content": []any{}}}, false)
		add("response.content_part.added", map[string]any{"type": "response.content_part.added", "sequence_number": next(), "item_id": "msg_mock",
			"output_index": 0, "content_index": 0, "part": map[string]any{"type": "output_text", "text": "", "annotations": []any{}}}, false)
		for _, p := range parts {
			add("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "sequence_number": next(), "item_id": "msg_mock",
				"output_index": 0, "content_index": 0, "delta": p, "logprobs": []any{}}, false)
		}
		add("response.output_text.done", map[string]any{"type": "response.output_text.done", "sequence_number": next(), "item_id": "msg_mock",
			"output_index": 0, "content_index": 0, "text": a.text, "logprobs": []any{}}, false)
		add("response.completed", map[string]any{"type": "response.completed", "sequence_number": next(), "response": a.responseObject("completed")}, true)
	case Gemini:
		for i, p := range parts {
			c := map[string]any{"content": map[string]any{"role": "model", "parts": []any{map[string]any{"text": p}}}, "index": 0}
			chunk := map[string]any{"candidates": []any{c}, "modelVersion": a.model}
			last := i == len(parts)-1
			if last {
				c["finishReason"] = "STOP"
				chunk["usageMetadata"] = map[string]any{"promptTokenCount": a.in, "candidatesTokenCount": a.out, "totalTokenCount": a.in + a.out}
			}
			add("", chunk, last)
		}
	default:
		chunk := func(delta map[string]any, finish any) map[string]any {
			return map[string]any{"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1700000000, "model": a.model,
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": nil}}}
		}
		add("", chunk(map[string]any{"role": "assistant", "content": ""}, nil), false)
		for _, p := range parts {
			add("", chunk(map[string]any{"content": p}, nil), false)
		}
		add("", chunk(map[string]any{}, "stop"), false)
		if a.includeUsage {
			add("", map[string]any{"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1700000000, "model": a.model,
				"choices": []any{}, "usage": map[string]any{"prompt_tokens": a.in, "completion_tokens": a.out, "total_tokens": a.in + a.out}}, false)
		}
		evs = append(evs, event{format: a.f, data: []byte("[DONE]"), final: true})
	}
	return evs
}

// inBandEvent is an error inside a 200 stream, in the format's own shape.
func inBandEvent(f Format, fault Fault) event {
	status := fault.Status
	if status == 0 {
		status = 529
	}
	typ := fault.ErrType
	if typ == "" {
		typ = defaultType(status)
	}
	msg := fault.Message
	if msg == "" {
		msg = "mock in-band " + typ
	}
	switch f {
	case Anthropic:
		return event{format: f, name: "error", data: errorBody(f, status, typ, msg)}
	case Responses:
		return event{format: f, name: "response.failed", data: js(map[string]any{"type": "response.failed",
			"response": map[string]any{"id": "resp_mock", "status": "failed", "error": map[string]any{"code": typ, "message": msg}}})}
	default:
		return event{format: f, data: errorBody(f, status, typ, msg)}
	}
}
