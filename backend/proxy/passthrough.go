package proxy

import (
	"bytes"
	"fmt"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Passthrough serves same-format pairs without the translation package: the body is untouched except the
// model, and usage and in-band errors are sniffed with gjson (no whole-body decode on the hot path). Cross-format
// pairs are refused; the service plugs the translation package in for those.
type Passthrough struct{}

// ErrNoTranslation is returned for a cross-format pair Passthrough cannot serve.
type ErrNoTranslation struct{ From, To wire.Format }

func (e ErrNoTranslation) Error() string {
	return fmt.Sprintf("translation from %s to %s is not available", e.From, e.To)
}

func (Passthrough) Request(client, upstream wire.Format, model string, body []byte, stream bool) ([]byte, error) {
	if client != upstream {
		return nil, ErrNoTranslation{client, upstream}
	}
	return PassthroughRequest(upstream, model, body, stream)
}

// PassthroughRequest rewrites the model of a same-format body. OpenAI chat streams ask for the usage chunk, which
// is the only way that wire reports tokens when streaming.
func PassthroughRequest(f wire.Format, model string, body []byte, stream bool) ([]byte, error) {
	if f == wire.Gemini {
		return body, nil // the model is in the URL
	}
	out, err := sjson.SetBytes(body, "model", model)
	if err != nil {
		return nil, fmt.Errorf("set model: %w", err)
	}
	if f == wire.OpenAI && stream && !gjson.GetBytes(out, "stream_options.include_usage").Exists() {
		out, err = sjson.SetBytes(out, "stream_options.include_usage", true)
		if err != nil {
			return nil, fmt.Errorf("set stream_options: %w", err)
		}
	}
	return out, nil
}

func (Passthrough) Response(upstream, client wire.Format, model string, body []byte) ([]byte, wire.Usage, error) {
	if client != upstream {
		return nil, wire.Usage{}, ErrNoTranslation{upstream, client}
	}
	if !gjson.ValidBytes(body) {
		return nil, wire.Usage{}, &wire.UpstreamError{Status: 502, Type: "invalid_response", Message: "upstream sent a body that is not JSON", InBand: true}
	}
	if e := inBandError(upstream, "", body); e != nil {
		return nil, wire.Usage{}, e
	}
	return body, sniffUsage(upstream, "", body), nil
}

func (Passthrough) NewStream(upstream, client wire.Format, model string) Stream {
	if client != upstream {
		return refusedStream{ErrNoTranslation{upstream, client}}
	}
	return &passStream{f: upstream}
}

type refusedStream struct{ err error }

func (r refusedStream) Event(dst []byte, _ Event) ([]byte, error) { return dst, r.err }
func (r refusedStream) Finish(dst []byte) []byte                  { return dst }
func (r refusedStream) Usage() wire.Usage                         { return wire.Usage{} }

type passStream struct {
	f     wire.Format
	usage wire.Usage
}

func (s *passStream) Event(dst []byte, ev Event) ([]byte, error) {
	if len(ev.Data) > 0 && ev.Data[0] == '{' {
		if !gjson.ValidBytes(ev.Data) {
			// Forwarding half a JSON object would break the client's parser; say what happened instead.
			return dst, &wire.UpstreamError{Status: 502, Type: "api_error", Message: "upstream sent a malformed event", InBand: true}
		}
		if e := inBandError(s.f, ev.Name, ev.Data); e != nil {
			return dst, e
		}
		s.usage.Merge(sniffUsage(s.f, ev.Name, ev.Data))
	}
	return appendEvent(dst, ev), nil
}

func (s *passStream) Finish(dst []byte) []byte { return dst }
func (s *passStream) Usage() wire.Usage        { return s.usage }

// sniffUsage reads the usage an upstream reported in a body or one stream event, normalised as wire.Usage says.
func sniffUsage(f wire.Format, event string, data []byte) wire.Usage {
	var u wire.Usage
	switch f {
	case wire.OpenAI:
		r := gjson.GetBytes(data, "usage")
		if !r.IsObject() {
			return u
		}
		cached := r.Get("prompt_tokens_details.cached_tokens").Int()
		u = wire.Usage{Input: r.Get("prompt_tokens").Int() - cached, Output: r.Get("completion_tokens").Int(), CacheRead: cached,
			Reasoning: r.Get("completion_tokens_details.reasoning_tokens").Int(), Reported: true}
	case wire.Responses:
		r := gjson.GetBytes(data, "usage")
		if !r.IsObject() {
			r = gjson.GetBytes(data, "response.usage")
		}
		if !r.IsObject() {
			return u
		}
		cached := r.Get("input_tokens_details.cached_tokens").Int()
		u = wire.Usage{Input: r.Get("input_tokens").Int() - cached, Output: r.Get("output_tokens").Int(), CacheRead: cached,
			Reasoning: r.Get("output_tokens_details.reasoning_tokens").Int(), Reported: true}
	case wire.Anthropic:
		r := gjson.GetBytes(data, "usage")
		if !r.IsObject() {
			r = gjson.GetBytes(data, "message.usage") // message_start
		}
		if !r.IsObject() {
			return u
		}
		u = wire.Usage{Input: r.Get("input_tokens").Int(), Output: r.Get("output_tokens").Int(),
			CacheRead: r.Get("cache_read_input_tokens").Int(), CacheWrite: r.Get("cache_creation_input_tokens").Int(), Reported: true}
	case wire.Gemini:
		r := gjson.GetBytes(data, "usageMetadata")
		if !r.IsObject() {
			return u
		}
		cached := r.Get("cachedContentTokenCount").Int()
		thoughts := r.Get("thoughtsTokenCount").Int()
		u = wire.Usage{Input: r.Get("promptTokenCount").Int() - cached, Output: r.Get("candidatesTokenCount").Int() + thoughts,
			CacheRead: cached, Reasoning: thoughts, Reported: true}
	}
	if u.Input < 0 {
		u.Input = 0
	}
	return u
}

// inBandError finds an error reported inside a 200 body or stream event.
func inBandError(f wire.Format, event string, data []byte) *wire.UpstreamError {
	switch f {
	case wire.Anthropic:
		if event == "error" || (event == "" && bytes.Contains(data, []byte(`"type":"error"`)) && gjson.GetBytes(data, "type").String() == "error") {
			typ := gjson.GetBytes(data, "error.type").String()
			return &wire.UpstreamError{Status: statusForType(typ), Type: typ, Message: gjson.GetBytes(data, "error.message").String(), InBand: true}
		}
	case wire.Responses:
		if event == "response.failed" || gjson.GetBytes(data, "type").String() == "response.failed" {
			e := gjson.GetBytes(data, "response.error")
			typ := e.Get("code").String()
			return &wire.UpstreamError{Status: statusForType(typ), Type: typ, Message: e.Get("message").String(), InBand: true}
		}
		if event == "error" || gjson.GetBytes(data, "type").String() == "error" {
			typ := gjson.GetBytes(data, "code").String()
			return &wire.UpstreamError{Status: statusForType(typ), Type: typ, Message: gjson.GetBytes(data, "message").String(), InBand: true}
		}
		fallthrough
	default:
		e := gjson.GetBytes(data, "error")
		if e.IsObject() {
			typ := e.Get("type").String()
			if typ == "" {
				typ = e.Get("status").String()
			}
			if typ == "" {
				typ = e.Get("code").String()
			}
			status := int(e.Get("code").Int())
			if status < 400 || status > 599 {
				status = statusForType(typ)
			}
			return &wire.UpstreamError{Status: status, Type: typ, Message: e.Get("message").String(), InBand: true}
		}
	}
	return nil
}

// statusForType maps vendor error types to the HTTP status they stand for.
func statusForType(typ string) int {
	switch typ {
	case "overloaded_error", "server_is_overloaded", "UNAVAILABLE":
		return 529
	case "rate_limit_error", "rate_limit_exceeded", "RESOURCE_EXHAUSTED", "usage_limit_reached":
		return 429
	case "authentication_error", "invalid_api_key", "UNAUTHENTICATED":
		return 401
	case "permission_error", "PERMISSION_DENIED":
		return 403
	case "not_found_error", "model_not_found", "NOT_FOUND":
		return 404
	case "invalid_request_error", "context_length_exceeded", "INVALID_ARGUMENT":
		return 400
	case "insufficient_quota":
		return 402
	}
	return 500
}

// terminal reports whether ev ends a well-formed upstream stream; a stream that stops without one was cut.
func terminal(f wire.Format, ev Event) bool {
	switch f {
	case wire.OpenAI:
		return bytes.Equal(ev.Data, []byte("[DONE]"))
	case wire.Anthropic:
		return ev.Name == "message_stop" || gjson.GetBytes(ev.Data, "type").String() == "message_stop"
	case wire.Responses:
		switch ev.Name {
		case "response.completed", "response.incomplete":
			return true
		}
		t := gjson.GetBytes(ev.Data, "type").String()
		return t == "response.completed" || t == "response.incomplete"
	case wire.Gemini:
		return gjson.GetBytes(ev.Data, "candidates.0.finishReason").Exists()
	}
	return false
}
