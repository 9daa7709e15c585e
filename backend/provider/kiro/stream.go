package kiro

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Executor sends Anthropic Messages requests to Kiro as conversationState and turns its AWS EventStream answer
// back into Anthropic Messages stream events. Kiro only streams, so the proxy folds the events for a client that
// asked for one JSON answer.
type Executor struct{}

func (Executor) Formats() []wire.Format { return []wire.Format{wire.Anthropic} }

// StreamOnly: Kiro always answers as an event stream.
func (Executor) StreamOnly() bool { return true }

func (Executor) NewRequest(ctx context.Context, c provider.Call) (*http.Request, error) {
	if c.Count {
		return nil, errors.New("kiro has no token-count endpoint")
	}
	body, err := Body(c.Body, c.Model, c.Credential.Meta[MetaProfileARN])
	if err != nil {
		return nil, err
	}
	c.Body, c.Stream = body, true
	req, err := provider.NewJSONRequest(ctx, c.BaseURL, "/generateAssistantResponse", "", c)
	if err != nil {
		return nil, err
	}
	// The AWS JSON protocol's operation name and event-stream answer type; the invocation id is a fresh random
	// id per request (the AWS protocol's retry correlation), no device or client identity.
	req.Header.Set("Authorization", "Bearer "+c.Credential.AccessToken)
	req.Header.Set("Accept", "application/vnd.amazon.eventstream")
	req.Header.Set("X-Amz-Target", "AmazonCodeWhispererStreamingService.GenerateAssistantResponse")
	req.Header.Set("Amz-Sdk-Invocation-Id", newID())
	return req, nil
}

// AdaptResponse replaces the EventStream body with the equivalent Anthropic SSE stream.
func (Executor) AdaptResponse(c provider.Call, resp *http.Response) {
	resp.Body = NewStream(resp.Body, c.Model)
	resp.Header.Set("Content-Type", "text/event-stream")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
}

// Stream decodes Kiro's EventStream frames (prelude and message CRC32 checked, lengths bounded, by the AWS SDK's
// decoder) and yields Anthropic Messages SSE events. A damaged frame ends the stream with an error, never with
// made-up content.
type Stream struct {
	src   io.ReadCloser
	br    *bufio.Reader
	dec   *eventstream.Decoder
	model string

	out       []byte
	err       error
	started   bool
	index     int    // the next content block's index
	open      string // "text", "tool" or "" for the open block
	toolID    string
	usedTools bool
	outTokens int64
	inTokens  int64
	payload   []byte
}

// NewStream wraps an EventStream body.
func NewStream(src io.ReadCloser, model string) *Stream {
	return &Stream{src: src, br: bufio.NewReaderSize(src, 64<<10), dec: eventstream.NewDecoder(), model: model}
}

func (s *Stream) Close() error { return s.src.Close() }

func (s *Stream) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		s.step()
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

// step decodes one frame into zero or more events; at the end of the stream it closes the message.
func (s *Stream) step() {
	if _, err := s.br.Peek(1); errors.Is(err, io.EOF) {
		s.finish()
		s.err = io.EOF
		return
	}
	msg, err := s.dec.Decode(s.br, s.payload[:0])
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.ErrUnexpectedEOF
		}
		s.err = fmt.Errorf("kiro event stream: %w", err)
		return
	}
	s.payload = msg.Payload
	s.Event(headerString(msg.Headers, ":message-type"), headerString(msg.Headers, ":event-type"),
		headerString(msg.Headers, ":exception-type"), msg.Payload)
}

func headerString(h eventstream.Headers, name string) string {
	if v := h.Get(name); v != nil {
		return v.String()
	}
	return ""
}

// Event turns one decoded frame into Anthropic events (exported for the fuzz target and golden tests).
func (s *Stream) Event(messageType, eventType, exceptionType string, payload []byte) {
	if messageType == "exception" || messageType == "error" {
		msg := gjson.GetBytes(payload, "message").String()
		if msg == "" {
			msg = string(payload)
		}
		kind := "api_error"
		if exceptionType == "ThrottlingException" {
			kind = "rate_limit_error"
		}
		s.emit("error", map[string]any{"type": "error", "error": map[string]any{"type": kind,
			"message": "Kiro: " + firstNonEmpty(exceptionType, eventType) + ": " + msg}})
		s.err = io.EOF // an exception ends the stream
		return
	}
	p := gjson.ParseBytes(payload)
	switch eventType {
	case "assistantResponseEvent", "codeEvent":
		text := p.Get("content").String()
		if text == "" {
			return
		}
		s.start()
		if s.open != "text" {
			s.closeBlock()
			s.emit("content_block_start", map[string]any{"type": "content_block_start", "index": s.index,
				"content_block": map[string]any{"type": "text", "text": ""}})
			s.open = "text"
		}
		s.emit("content_block_delta", map[string]any{"type": "content_block_delta", "index": s.index,
			"delta": map[string]any{"type": "text_delta", "text": text}})
	case "toolUseEvent":
		id, name := p.Get("toolUseId").String(), p.Get("name").String()
		if id == "" {
			return
		}
		s.start()
		if s.open != "tool" || s.toolID != id {
			s.closeBlock()
			s.emit("content_block_start", map[string]any{"type": "content_block_start", "index": s.index,
				"content_block": map[string]any{"type": "tool_use", "id": id, "name": name, "input": map[string]any{}}})
			s.open, s.toolID, s.usedTools = "tool", id, true
		}
		in := p.Get("input")
		frag := in.String()
		if in.IsObject() {
			frag = in.Raw
		}
		if frag != "" {
			s.emit("content_block_delta", map[string]any{"type": "content_block_delta", "index": s.index,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": frag}})
		}
		if p.Get("stop").Bool() {
			s.closeBlock()
		}
	case "metricsEvent":
		s.inTokens, s.outTokens = p.Get("inputTokens").Int(), p.Get("outputTokens").Int()
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Stream) start() {
	if s.started {
		return
	}
	s.started = true
	s.emit("message_start", map[string]any{"type": "message_start", "message": map[string]any{"id": "msg_" + newID(),
		"type": "message", "role": "assistant", "model": s.model, "content": []any{}, "stop_reason": nil,
		"usage": map[string]any{"input_tokens": 0, "output_tokens": 0}}})
}

func (s *Stream) closeBlock() {
	if s.open == "" {
		return
	}
	s.emit("content_block_stop", map[string]any{"type": "content_block_stop", "index": s.index})
	s.open, s.toolID = "", ""
	s.index++
}

// finish ends the message: every block stopped, then message_delta with the stop reason, then message_stop.
func (s *Stream) finish() {
	s.start()
	s.closeBlock()
	reason := "end_turn"
	if s.usedTools {
		reason = "tool_use"
	}
	s.emit("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": reason},
		"usage": map[string]any{"input_tokens": s.inTokens, "output_tokens": s.outTokens}})
	s.emit("message_stop", map[string]any{"type": "message_stop"})
}

func (s *Stream) emit(name string, v any) {
	b, _ := json.Marshal(v)
	s.out = sse.Append(s.out, name, b)
}
