package proxy

import (
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Event is one server-sent event as read from an upstream.
type Event struct {
	Name string // the "event:" field, "" when absent
	Data []byte // the joined "data:" lines
}

// Translator converts bodies between the client's and the upstream's wire formats. Its shape mirrors the
// translation package's top-level API (backend/translate), which the service plugs in; same-format pairs are
// passthrough there too.
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
