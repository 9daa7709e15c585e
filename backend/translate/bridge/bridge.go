// Package bridge plugs the translate package into the router's attempt loop (proxy.Translator). It exists so
// translate itself depends on nothing of the router, and the router on nothing of translate.
package bridge

import (
	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// Translator is translate's pair table as a proxy.Translator.
type Translator struct{}

var _ proxy.Translator = Translator{}

func (Translator) Request(client, upstream wire.Format, model string, body []byte, stream bool) ([]byte, error) {
	return translate.Request(client, upstream, model, body, stream)
}

func (Translator) Response(upstream, client wire.Format, model string, body []byte) ([]byte, wire.Usage, error) {
	return translate.Response(upstream, client, model, body)
}

func (Translator) NewStream(upstream, client wire.Format, model string) proxy.Stream {
	return stream{translate.NewStream(upstream, client, model)}
}

type stream struct{ s translate.Stream }

func (s stream) Event(dst []byte, ev proxy.Event) ([]byte, error) {
	return s.s.Event(dst, sse.Event{Name: ev.Name, Data: ev.Data})
}

func (s stream) Finish(dst []byte) []byte { return s.s.Finish(dst) }
func (s stream) Usage() wire.Usage        { return s.s.Usage() }
