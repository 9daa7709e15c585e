// Package translate joins any client wire format to any upstream wire format (docs/translation.md).
//
// # API (what the router calls)
//
// This package is the proxy's only window on wire formats: backend/proxy reads and writes no format's bytes
// itself, so everything format-specific it needs is here.
//
//	Request(client, upstream, model, body, stream) ([]byte, error)  // client request -> upstream request body
//	NewRequests(client, body).For(upstream, model, stream)          // the same, each built once per request
//	Response(upstream, client, model, body) ([]byte, wire.Usage, error) // upstream 2xx JSON -> client JSON
//	NewStream(upstream, client, model) Stream   // upstream SSE events -> client SSE bytes, per event; Complete()
//	NewFold(upstream, client, model) *Fold      // upstream SSE events -> one client JSON (stream-only upstreams)
//	ParseUpstreamError(status, header, body, now) *wire.UpstreamError // a non-2xx answer, with its retry hint
//	StreamError(client, dst, err) []byte        // an in-band error event in the client's stream shape
//	ErrorBody(client, err) (status, body)       // an error as the client's error JSON
//	CountTokens(client, body) (int, error)      // offline token estimate (tiktoken o200k_base)
//	NativeCountFormat / NativeCountRequest / ParseNativeCount // the upstream's own count call (Anthropic, Gemini)
//	ProbeRequest(format, model)                 // the smallest request, for account tests
//	Supported(client, upstream) bool
//
// translate/sse is the bounded incremental SSE reader and flushing writer; translate/ollama adapts Ollama's
// /api/chat on top of the Chat Completions codec.
//
// `model` in Request is the upstream model id written into the body (Gemini carries it in the URL, so its body
// is left alone). In Response/NewStream/NewFold it is the name reported to the client (the alias it asked
// for); "" keeps the upstream's own. Passthrough responses are never rewritten.
//
// # Shape
//
// Same format on both sides is passthrough: the request body is untouched except `model` (and `stream`, when
// the router must force it); responses and stream events are forwarded byte for byte while usage and in-band
// errors are sniffed per event with gjson, never by decoding the body into maps.
//
// Across formats, each wire format is one codec package (openai, responses, anthropic, gemini) that reads its
// own requests, responses and stream events into the neutral model in translate/ir and writes them back out.
// A pair is the composition of two codecs, registered in the one table below. This replaces CLIProxyAPI's
// package-per-pair layout on purpose: 4 codecs give all 12 cross pairs, each vendor's quirks live in one
// place, and the neutral model is a superset of the four formats (thinking signatures with their owner, redacted
// thinking, call ids, cached and reasoning usage), so composing never loses what a direct pair would keep.
// Streams are translated per event by a stateful decoder -> ir.Sequencer -> encoder chain; nothing buffers a
// whole stream. Folding a stream to JSON runs the same chain into an ir.Collector.
package translate

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/jsonguard"
	"github.com/ninerouter/ninerouter/backend/translate/anthropic"
	"github.com/ninerouter/ninerouter/backend/translate/gemini"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/openai"
	"github.com/ninerouter/ninerouter/backend/translate/responses"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// pair is how one client format reaches one upstream format.
type pair struct {
	client, upstream *ir.Codec
	passthrough      bool
}

// codecs lists the four formats; the table below is every (client, upstream) combination of them.
var codecs = map[wire.Format]*ir.Codec{
	wire.OpenAI:    &openai.Codec,
	wire.Responses: &responses.Codec,
	wire.Anthropic: &anthropic.Codec,
	wire.Gemini:    &gemini.Codec,
}

// table is THE pair table: 4 client formats x 4 upstream formats. Read-only after init.
var table = func() map[[2]wire.Format]pair {
	t := make(map[[2]wire.Format]pair, 16)
	for _, c := range wire.Formats {
		for _, u := range wire.Formats {
			t[[2]wire.Format{c, u}] = pair{client: codecs[c], upstream: codecs[u], passthrough: c == u}
		}
	}
	return t
}()

func lookup(client, upstream wire.Format) (pair, error) {
	p, ok := table[[2]wire.Format{client, upstream}]
	if !ok {
		return pair{}, fmt.Errorf("translate: no translation from %q to %q", client, upstream)
	}
	return p, nil
}

// Supported says whether the pair exists.
func Supported(client, upstream wire.Format) bool {
	_, err := lookup(client, upstream)
	return err == nil
}

// Request turns a client request body into the upstream's. A body the client format cannot parse is an
// *InvalidRequestError (answer 400 in the client's shape).
func Request(client, upstream wire.Format, model string, body []byte, stream bool) ([]byte, error) {
	p, err := lookup(client, upstream)
	if err != nil {
		return nil, err
	}
	if p.passthrough {
		return setModel(p.upstream, body, model, stream)
	}
	req, err := decodeRequest(p.client, body)
	if err != nil {
		return nil, err
	}
	return encodeRequest(p.upstream, req, model, stream)
}

func setModel(c *ir.Codec, body []byte, model string, stream bool) ([]byte, error) {
	out, err := c.SetModel(body, model, stream)
	if err != nil {
		return nil, &InvalidRequestError{Err: err}
	}
	return out, nil
}

func decodeRequest(c *ir.Codec, body []byte) (*ir.Request, error) {
	req, err := c.DecodeRequest(body)
	if err != nil {
		return nil, &InvalidRequestError{Err: err}
	}
	ir.FillToolNames(req)
	return req, nil
}

// encodeRequest writes req for one upstream. Encoders only read the request, so one decoded request serves
// every upstream (TestRequestsDecodeOnce).
func encodeRequest(c *ir.Codec, req *ir.Request, model string, stream bool) ([]byte, error) {
	out, err := c.EncodeRequest(req, model, stream)
	if err != nil {
		return nil, &InvalidRequestError{Err: err}
	}
	return out, nil
}

// Requests is one client request prepared for every upstream it may be sent to. The client body is read once,
// and each (upstream format, model) body is built once: accounts failing over to one another send the same
// bytes without translating again. The bodies returned are shared; callers must not modify them.
type Requests struct {
	client  wire.Format
	body    []byte
	decoded *ir.Request
	decErr  error
	built   []builtRequest
}

type builtRequest struct {
	upstream wire.Format
	model    string
	stream   bool
	body     []byte
	err      error
}

// NewRequests prepares a client request.
func NewRequests(client wire.Format, body []byte) Requests {
	return Requests{client: client, body: body}
}

// For is the request body for one upstream format and model, asking for a stream or not (Request, done at most
// once per combination).
func (r *Requests) For(upstream wire.Format, model string, stream bool) ([]byte, error) {
	for _, b := range r.built {
		if b.upstream == upstream && b.model == model && b.stream == stream {
			return b.body, b.err
		}
	}
	body, err := r.build(upstream, model, stream)
	r.built = append(r.built, builtRequest{upstream: upstream, model: model, stream: stream, body: body, err: err})
	return body, err
}

func (r *Requests) build(upstream wire.Format, model string, stream bool) ([]byte, error) {
	p, err := lookup(r.client, upstream)
	if err != nil {
		return nil, err
	}
	if p.passthrough {
		return setModel(p.upstream, r.body, model, stream)
	}
	if r.decoded == nil && r.decErr == nil {
		r.decoded, r.decErr = decodeRequest(p.client, r.body)
	}
	if r.decErr != nil {
		return nil, r.decErr
	}
	return encodeRequest(p.upstream, r.decoded, model, stream)
}

// InvalidRequestError is a client body that could not be read or translated.
type InvalidRequestError struct{ Err error }

func (e *InvalidRequestError) Error() string { return "invalid request: " + e.Err.Error() }
func (e *InvalidRequestError) Unwrap() error { return e.Err }

// Response turns an upstream non-stream 2xx body into the client's, with the usage it reported.
func Response(upstream, client wire.Format, model string, body []byte) ([]byte, wire.Usage, error) {
	p, err := lookup(client, upstream)
	if err != nil {
		return nil, wire.Usage{}, err
	}
	// Before any parser: the codecs' decoders recurse (issue 9 finding 1). Forwarded, a broken body would reach
	// the client as a 200; like a body no codec can decode, it is the upstream's failure (the translated path
	// finds it when decoding), so passthrough checks depth and validity in one scan.
	check := jsonguard.Check
	if p.passthrough {
		check = jsonguard.Valid
	}
	if err := check(body); errors.Is(err, jsonguard.ErrInvalid) {
		return nil, wire.Usage{}, fmt.Errorf("translate %s response: the body is not valid JSON", upstream)
	} else if err != nil {
		return nil, wire.Usage{}, fmt.Errorf("translate %s response: %w", upstream, err)
	}
	if ue := inBandError(body); ue != nil {
		return nil, wire.Usage{}, ue
	}
	if p.passthrough {
		// Every format's answer is an object; valid JSON of another kind ("", [], 42) is as broken as invalid JSON.
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
			return nil, wire.Usage{}, fmt.Errorf("translate %s response: the body is not a JSON object", upstream)
		}
		return body, nonNegative(p.upstream.SniffBody(body)), nil
	}
	resp, err := p.upstream.DecodeResponse(body)
	if err != nil {
		return nil, wire.Usage{}, fmt.Errorf("translate %s response: %w", upstream, err)
	}
	if model != "" {
		resp.Model = model
	}
	out, err := p.client.EncodeResponse(resp)
	if err != nil {
		return nil, nonNegative(resp.Usage), fmt.Errorf("translate response to %s: %w", client, err)
	}
	return out, nonNegative(resp.Usage), nil
}

// nonNegative is u with every count at least 0, the way the stream paths' Merge keeps them: an upstream's
// negative figure would otherwise lower the usage row's cost and the budgets it counts against.
func nonNegative(u wire.Usage) wire.Usage {
	var n wire.Usage
	n.Merge(u)
	return n
}

// inBandError finds an error object inside a 2xx body (soft errors, 9Router #3242): {"error":{...}} of any
// vendor, or Anthropic's {"type":"error"}. A Responses body carries "error": null when all is well.
func inBandError(body []byte) *wire.UpstreamError {
	root := gjson.ParseBytes(body)
	if !root.Get("error").IsObject() && root.Get("type").String() != "error" {
		return nil
	}
	if root.Get("object").String() == "response" && root.Get("status").String() != "failed" {
		return nil
	}
	code := root.Get("error.code").Int()
	ue := wire.ParseError(0, body)
	if code >= 400 && code < 600 {
		ue.Status = int(code)
	}
	ue.InBand = true
	return ue
}

// Stream translates one upstream stream into the client's, event by event.
type Stream interface {
	// Event appends the client bytes for one upstream event to dst. It returns a *wire.UpstreamError for an
	// in-band error event or a malformed one (and nothing appended for it: the router decides between
	// failover and StreamError).
	Event(dst []byte, ev sse.Event) ([]byte, error)
	// Complete says whether the upstream's own terminal event has arrived; a stream that ends without it was
	// cut short, whatever it carried.
	Complete() bool
	// Finish appends the closing events once the upstream ended cleanly ([DONE], message_stop, ...).
	Finish(dst []byte) []byte
	// Usage is the usage seen so far; after Finish, the stream's total.
	Usage() wire.Usage
}

// NewStream builds the translator for one stream.
func NewStream(upstream, client wire.Format, model string) Stream {
	p, err := lookup(client, upstream)
	if err != nil {
		// Formats are constants chosen by the router; an unknown one is a programming error, but a stream
		// must still answer: pass bytes through.
		p = pair{upstream: codecs[wire.OpenAI], client: codecs[wire.OpenAI], passthrough: true}
	}
	if p.passthrough {
		return &passStream{codec: p.upstream}
	}
	return &crossStream{dec: p.upstream.NewDecoder(), seq: ir.Sequencer{Enc: p.client.NewEncoder(), Model: model}}
}

// passStream forwards events unchanged and sniffs usage and errors.
type passStream struct {
	codec    *ir.Codec
	usage    wire.Usage
	complete bool // the upstream's terminal event passed
	finished bool
}

func (s *passStream) Event(dst []byte, ev sse.Event) ([]byte, error) {
	u, err := s.codec.SniffEvent(ev.Data, ev.Name)
	s.usage.Merge(u)
	if err != nil {
		return dst, err
	}
	if s.codec.Ends(ev.Data, ev.Name) {
		s.complete = true
	}
	return sse.Append(dst, ev.Name, ev.Data), nil
}

func (s *passStream) Complete() bool { return s.complete }

func (s *passStream) Finish(dst []byte) []byte {
	if s.complete || s.finished {
		return dst
	}
	s.finished = true
	return s.codec.Close(dst)
}

func (s *passStream) Usage() wire.Usage { return s.usage }

// crossStream decodes upstream events into neutral events and re-encodes them for the client.
type crossStream struct {
	dec      ir.Decoder
	seq      ir.Sequencer
	evs      []ir.Event
	complete bool
	done     bool
}

func (s *crossStream) Event(dst []byte, ev sse.Event) ([]byte, error) {
	var err error
	s.evs, err = s.dec.Decode(s.evs[:0], ev)
	for i := range s.evs {
		if s.evs[i].Kind == ir.EvEnd {
			s.complete = true
		}
		dst = s.seq.Apply(dst, &s.evs[i])
	}
	return dst, err
}

func (s *crossStream) Complete() bool { return s.complete }

func (s *crossStream) Finish(dst []byte) []byte {
	if s.done {
		return dst
	}
	s.done = true
	return s.seq.Finish(dst)
}

func (s *crossStream) Usage() wire.Usage { return s.seq.Usage() }

// Fold gathers a whole upstream stream into one client JSON answer, for a client that asked for JSON from an
// upstream that only streams (Codex). It holds the answer, never the raw stream.
type Fold struct {
	dec      ir.Decoder
	seq      ir.Sequencer
	col      ir.Collector
	client   *ir.Codec
	evs      []ir.Event
	complete bool
}

// NewFold builds a fold for one stream.
func NewFold(upstream, client wire.Format, model string) *Fold {
	f := &Fold{dec: codecs[upstream].NewDecoder(), client: codecs[client]}
	f.seq = ir.Sequencer{Enc: &f.col, Model: model}
	return f
}

// Event feeds one upstream event; an in-band error is returned as *wire.UpstreamError.
func (f *Fold) Event(ev sse.Event) error {
	var err error
	f.evs, err = f.dec.Decode(f.evs[:0], ev)
	for i := range f.evs {
		if f.evs[i].Kind == ir.EvEnd {
			f.complete = true
		}
		f.seq.Apply(nil, &f.evs[i])
	}
	return err
}

// Complete says whether the upstream's own terminal event has arrived (Stream.Complete).
func (f *Fold) Complete() bool { return f.complete }

// Result finishes the fold and renders the client's JSON.
func (f *Fold) Result() ([]byte, wire.Usage, error) {
	f.seq.Finish(nil)
	resp := f.col.Resp
	out, err := f.client.EncodeResponse(&resp)
	return out, resp.Usage, err
}
