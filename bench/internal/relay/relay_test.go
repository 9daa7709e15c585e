package relay

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The relay carries keep-alive HTTP exchanges byte for byte and ends every goroutine when its context ends.
func TestRelayCarriesHTTPAndStops(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write([]byte("echo:" + string(b)))
	}))
	defer up.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	r := &Relay{Upstream: strings.TrimPrefix(up.URL, "http://")}
	go func() { done <- r.Serve(ctx, ln) }()

	c := &http.Client{Transport: &http.Transport{}}
	for i := 0; i < 3; i++ { // the same connection is reused through the relay
		resp, err := c.Post("http://"+ln.Addr().String()+"/x", "text/plain", strings.NewReader("hi"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "echo:hi" {
			t.Fatalf("got %q", b)
		}
	}
	cancel() // closes the listener and the open keep-alive connection
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	c.CloseIdleConnections()
}

func TestRelayUpstreamDownClosesClient(t *testing.T) {
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := dead.Addr().String()
	dead.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&Relay{Upstream: addr}).Serve(ctx, ln)
	_, err := http.Get("http://" + ln.Addr().String() + "/")
	if err == nil {
		t.Fatal("want an error when the upstream is down")
	}
}
