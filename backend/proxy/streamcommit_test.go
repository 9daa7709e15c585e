package proxy_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// orderLog records, in order, when a usage row was committed and when the client saw its stream end.
type orderLog struct {
	mu     sync.Mutex
	events []string
}

func (l *orderLog) add(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *orderLog) Begin(usage.Record) {}
func (l *orderLog) Finish(r usage.Record) {
	l.add("row committed: " + r.Outcome)
}

// TestStreamEndAfterRowCommit (issue #9 finding 7): a stream's final event reaches the client only after its
// usage row is committed, also when that event arrives inside the relay loop and the upstream keeps its
// connection open a while after it. The upstream here holds the connection until the client has seen the end,
// so a relay that forwarded the final event first records the row only after the client had the whole answer
// (a kill -9 in between loses it).
func TestStreamEndAfterRowCommit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client wire.Format
		body   string
		end    string // what the client's stream ends with
	}{
		{"passthrough", wire.OpenAI, `{"model":"n/m","stream":true,"messages":[{"role":"user","content":"hi"}]}`, "data: [DONE]"},
		{"translated", wire.Anthropic, `{"model":"n/m","stream":true,"max_tokens":8,"messages":[{"role":"user","content":"hi"}]}`, "event: message_stop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clientSawEnd := make(chan struct{})
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				for _, ev := range []string{
					`{"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hello"}}]}`,
					`{"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}`,
					`[DONE]`,
				} {
					_, _ = w.Write([]byte("data: " + ev + "\n\n"))
				}
				w.(http.Flusher).Flush()
				select { // the body ends only once the client has its answer (or the request is over)
				case <-clientSawEnd:
				case <-r.Context().Done():
				}
			}))
			defer up.Close()
			log := &orderLog{}
			p, _ := newKeyProxyTo(t, log, up.URL, "k")
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p.Serve(r.Context(), w, proxy.Inbound{Client: tc.client, Model: "n/m", Body: []byte(tc.body), Stream: true})
			}))
			defer front.Close()
			resp, err := http.Post(front.URL, "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			saw := false
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), tc.end) && !saw {
					saw = true
					log.add("client saw the end")
					close(clientSawEnd)
				}
			}
			if !saw {
				close(clientSawEnd)
				t.Fatalf("the client never saw %q", tc.end)
			}
			log.mu.Lock()
			defer log.mu.Unlock()
			if want := []string{"row committed: ok", "client saw the end"}; strings.Join(log.events, "; ") != strings.Join(want, "; ") {
				t.Fatalf("order %q, want %q", log.events, want)
			}
		})
	}
}
