package proxy

import (
	"bytes"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

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
