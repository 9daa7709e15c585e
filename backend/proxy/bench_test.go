package proxy_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/ninerouter/ninerouter/backend/service"
	M "github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// BenchmarkPassthrough measures one non-streaming same-format request through the whole server against the
// zero-delay mock (the benchmark proper, with its floor and a bare reverse proxy, lives elsewhere).
func BenchmarkPassthrough(b *testing.B) {
	h := newHarness(b, service.RoutingOptions{}, M.Options{DisableRecording: true})
	benchPost(b, h, h.srv.URL+"/v1/chat/completions", "Bearer "+h.key)
}

// BenchmarkDirect is the same request straight to the mock, for comparison.
func BenchmarkDirect(b *testing.B) {
	h := newHarness(b, service.RoutingOptions{}, M.Options{DisableRecording: true})
	benchPost(b, h, h.mock.URL+"/v1/chat/completions", "Bearer k1")
}

func benchPost(b *testing.B, h *harness, url, auth string) {
	body := []byte(`{"model":"mock/m","messages":[{"role":"user","content":"hi"}]}`)
	c := &http.Client{Transport: h.tr}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Authorization", auth)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode)
		}
	}
}
