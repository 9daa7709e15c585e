package proxy

import (
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Event is one server-sent event as read from an upstream (the translation package's SSE reader is the one
// reader every stream goes through).
type Event = sse.Event

// Translator converts bodies between the client's and the upstream's wire formats. The default is the
// translation package's pair table (Table); tests may plug in another. Same-format pairs are passthrough there:
// the body is untouched except the model, and usage and in-band errors are sniffed per event.
type Translator interface {
	Request(client, upstream wire.Format, model string, body []byte, stream bool) ([]byte, error)
	// Response converts a whole non-streaming body. An error inside an HTTP 200 body comes back as
	// *wire.UpstreamError so the attempt loop can fail over.
	Response(upstream, client wire.Format, model string, body []byte) ([]byte, wire.Usage, error)
	NewStream(upstream, client wire.Format, model string) Stream
}

// Stream converts one upstream stream, event by event. Event appends the client-format bytes for ev to dst (often
// nothing: a translator may hold state); an in-band upstream error comes back as *wire.UpstreamError.
type Stream interface {
	Event(dst []byte, ev Event) ([]byte, error)
	Finish(dst []byte) []byte
	Usage() wire.Usage
}

// Table is the translation package's pair table as a Translator: every client format to every upstream format.
type Table struct{}

func (Table) Request(client, upstream wire.Format, model string, body []byte, stream bool) ([]byte, error) {
	return translate.Request(client, upstream, model, body, stream)
}

func (Table) Response(upstream, client wire.Format, model string, body []byte) ([]byte, wire.Usage, error) {
	return translate.Response(upstream, client, model, body)
}

func (Table) NewStream(upstream, client wire.Format, model string) Stream {
	return translate.NewStream(upstream, client, model)
}
