package translate_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// fixture is one recorded upstream answer (testdata/fixtures is a copy of ../shared/fixtures, so CI needs
// nothing outside the repo).
type fixture struct {
	Name   string
	Format wire.Format
	Events []sse.Event // a stream
	Body   []byte      // a 2xx JSON body
	Error  []byte      // an error body
	Status int
}

var dirFormats = map[string]wire.Format{
	"anthropic":        wire.Anthropic,
	"gemini":           wire.Gemini,
	"openai-chat":      wire.OpenAI,
	"openai-responses": wire.Responses,
}

func loadFixtures(t testing.TB) (streams, bodies, errs []fixture) {
	t.Helper()
	for dir, f := range dirFormats {
		files, err := filepath.Glob(filepath.Join("testdata", "fixtures", dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			name := dir + "/" + filepath.Base(path)
			switch base := filepath.Base(path); {
			case strings.HasSuffix(base, ".chunks.txt"):
				for i, evs := range chunkEvents(f, raw) {
					n := name
					if i > 0 {
						n += "#" + string(rune('0'+i))
					}
					streams = append(streams, fixture{Name: n, Format: f, Events: evs})
				}
			case strings.HasSuffix(base, ".stream.jsonl"):
				streams = append(streams, fixture{Name: name, Format: f, Events: envelopeEvents(raw)})
			case strings.HasSuffix(base, ".txt"):
				streams = append(streams, fixture{Name: name, Format: f, Events: readSSE(t, raw)})
			case strings.HasSuffix(base, ".json"):
				root := gjson.ParseBytes(raw)
				switch {
				case root.Get("Entries").Exists():
					root.Get("Entries").ForEach(func(k, e gjson.Result) bool {
						n := name + "#" + k.String()
						if e.Get("RequestMethod").String() != "POST" {
							return true
						}
						rb := e.Get("ResponseBody")
						switch {
						case rb.IsArray():
							var sb strings.Builder
							rb.ForEach(func(_, l gjson.Result) bool { sb.WriteString(l.String()); return true })
							streams = append(streams, fixture{Name: n, Format: f, Events: readSSE(t, []byte(sb.String()))})
						case e.Get("StatusCode").Int() == 200:
							bodies = append(bodies, fixture{Name: n, Format: f, Body: []byte(rb.Raw)})
						default:
							errs = append(errs, fixture{Name: n, Format: f, Error: []byte(rb.Raw), Status: int(e.Get("StatusCode").Int())})
						}
						return true
					})
				case root.Get("attempts").Exists():
					root.Get("attempts").ForEach(func(k, a gjson.Result) bool {
						bodies = append(bodies, fixture{Name: name + "#" + k.String(), Format: f, Body: []byte(a.Get("rawResponseBody").Raw)})
						return true
					})
				case root.Get("error").IsObject() || root.Get("type").String() == "error":
					errs = append(errs, fixture{Name: name, Format: f, Error: raw})
				default:
					bodies = append(bodies, fixture{Name: name, Format: f, Body: raw})
				}
			}
		}
	}
	sort.Slice(streams, func(i, j int) bool { return streams[i].Name < streams[j].Name })
	sort.Slice(bodies, func(i, j int) bool { return bodies[i].Name < bodies[j].Name })
	return streams, bodies, errs
}

// chunkEvents replays a chunks file as the README says; a Responses file holding several responses back to
// back is split before each response.created.
func chunkEvents(f wire.Format, raw []byte) [][]sse.Event {
	var all [][]sse.Event
	var cur []sse.Event
	for _, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		typ := gjson.GetBytes(line, "type").String()
		var name string
		if f == wire.Anthropic || f == wire.Responses {
			name = typ
		}
		if f == wire.Responses && typ == "response.created" && len(cur) > 0 {
			all = append(all, cur)
			cur = nil
		}
		cur = append(cur, sse.Event{Name: name, Data: append([]byte(nil), line...)})
	}
	if f == wire.OpenAI {
		cur = append(cur, sse.Event{Data: []byte("[DONE]")})
	}
	return append(all, cur)
}

func envelopeEvents(raw []byte) []sse.Event {
	var out []sse.Event
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var env struct{ Type, Data string }
		if json.Unmarshal(line, &env) != nil {
			continue
		}
		out = append(out, sse.Event{Name: env.Type, Data: []byte(env.Data)})
	}
	return out
}

func readSSE(t testing.TB, raw []byte) []sse.Event {
	r := sse.NewReader(bytes.NewReader(raw), 0)
	var out []sse.Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("read sse: %v", err)
		}
		out = append(out, sse.Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...)})
	}
}
