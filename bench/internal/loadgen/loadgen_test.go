package loadgen

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func sseServer(events int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, `{"error":"nope"}`, http.StatusTeapot)
			return
		}
		if r.URL.Path == "/json" {
			w.Write([]byte(`{"ok":true}`))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < events; i++ {
			fmt.Fprintf(w, "event: x\ndata: {\"i\":%d}\n\n", i)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, ": keep-alive comment\n\ndata: [DONE]\n\n")
	}))
}

func TestStreamCountsDataLines(t *testing.T) {
	srv := sseServer(5)
	defer srv.Close()
	res, err := Stream(context.Background(), NewClient(2), Request{URL: srv.URL + "/s", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 6 || len(res.Gaps) != 5 {
		t.Fatalf("events %d gaps %d, want 6 and 5", res.Events, len(res.Gaps))
	}
	if res.TTFB <= 0 || res.Total < res.TTFB {
		t.Fatalf("ttfb %v total %v", res.TTFB, res.Total)
	}
}

func TestDoFailsOnNon200WithBody(t *testing.T) {
	srv := sseServer(1)
	defer srv.Close()
	_, err := Do(context.Background(), NewClient(2), Request{URL: srv.URL + "/fail"})
	if err == nil || !strings.Contains(err.Error(), "418") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestInterleaveRotatesAndCounts(t *testing.T) {
	srv := sseServer(1)
	defer srv.Close()
	c := NewClient(2)
	paths := []Path{
		{Name: "a", Request: Request{URL: srv.URL + "/json"}, Client: c},
		{Name: "b", Request: Request{URL: srv.URL + "/json"}, Client: c},
	}
	r, err := Interleave(context.Background(), paths, 1, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if len(r[n]) != 3 || len(r[n][0]) != 4 {
			t.Fatalf("%s: %d rounds of %d", n, len(r[n]), len(r[n][0]))
		}
	}
	paths[1].Request.URL = srv.URL + "/fail"
	if _, err := Interleave(context.Background(), paths, 0, 1, 1); err == nil || !strings.Contains(err.Error(), "b round 0") {
		t.Fatalf("want the failing path named, got %v", err)
	}
}

func TestOpenLoopSendsOnScheduleAndCountsErrors(t *testing.T) {
	srv := sseServer(1)
	defer srv.Close()
	c := NewClient(64)
	res := OpenLoop(context.Background(), c, Request{URL: srv.URL + "/json"}, 200, 100*time.Millisecond, 64)
	if res.Sent != 20 || res.Errors != 0 || len(res.Latencies) != 20 {
		t.Fatalf("sent %d errors %d latencies %d, want 20/0/20", res.Sent, res.Errors, len(res.Latencies))
	}
	bad := OpenLoop(context.Background(), c, Request{URL: srv.URL + "/fail"}, 100, 50*time.Millisecond, 64)
	if bad.Errors != bad.Sent || bad.FirstErr == "" {
		t.Fatalf("errors %d of %d, first %q", bad.Errors, bad.Sent, bad.FirstErr)
	}
}
