package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t testing.TB, body string, max int) ([]Event, error) {
	r := NewReader(strings.NewReader(body), max)
	var out []Event
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...)})
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name, body string
		want       []Event
	}{
		{"openai", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []Event{{"", []byte(`{"a":1}`)}, {"", []byte("[DONE]")}}},
		{"named", "event: message_start\ndata: {}\n\n", []Event{{"message_start", []byte("{}")}}},
		{"crlf gemini", "data: {\"x\": 1}\r\n\r\ndata: {}\r\n\r\n", []Event{{"", []byte(`{"x": 1}`)}, {"", []byte("{}")}}},
		{"comments and keep-alive", ": ping\n\n: keep-alive\ndata: 1\n\n", []Event{{"", []byte("1")}}},
		{"multi-line data", "data: a\ndata: b\n\n", []Event{{"", []byte("a\nb")}}},
		{"no trailing blank line", "data: last", []Event{{"", []byte("last")}}},
		{"ndjson", "{\"a\":1}\n{\"b\":2}\n", []Event{{"", []byte(`{"a":1}`)}, {"", []byte(`{"b":2}`)}}},
		{"no space after colon", "data:x\n\n", []Event{{"", []byte("x")}}},
		{"name without data is dropped", "event: ping\n\ndata: y\n\n", []Event{{"", []byte("y")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.body, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d events %q, want %d", len(got), got, len(tc.want))
			}
			for i := range got {
				if got[i].Name != tc.want[i].Name || !bytes.Equal(got[i].Data, tc.want[i].Data) {
					t.Errorf("event %d: got %q %q want %q %q", i, got[i].Name, got[i].Data, tc.want[i].Name, tc.want[i].Data)
				}
			}
		})
	}
}

func TestLineBound(t *testing.T) {
	_, err := readAll(t, "data: "+strings.Repeat("x", 200)+"\n\n", 64)
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("got %v", err)
	}
	// a long line within the bound crosses bufio's buffer
	long := strings.Repeat("y", 100<<10)
	got, err := readAll(t, "data: "+long+"\n\n", 0)
	if err != nil || len(got) != 1 || string(got[0].Data) != long {
		t.Fatalf("long line: %v", err)
	}
}

// FuzzReader: any bytes read the same whole or a byte at a time, and Append/Next round-trip event data.
func FuzzReader(f *testing.F) {
	f.Add([]byte("event: a\ndata: {\"x\":1}\n\ndata: [DONE]\n\n"), "name", []byte(`{"k":"v"}`))
	f.Add([]byte("data: {\"candidates\": []}\r\n\r\n"), "", []byte("multi\nline"))
	f.Add([]byte(": ka\n{\"raw\":true}\n"), "response.completed", []byte(""))
	f.Fuzz(func(t *testing.T, body []byte, name string, data []byte) {
		// However the network cuts the body, the same events come out, and the same error ends them.
		whole, wholeErr := events(NewReader(bytes.NewReader(body), 1<<12))
		cut, cutErr := events(NewReader(iotest.OneByteReader(bytes.NewReader(body)), 1<<12))
		if fmt.Sprint(wholeErr) != fmt.Sprint(cutErr) || fmt.Sprintf("%q", whole) != fmt.Sprintf("%q", cut) {
			t.Fatalf("read whole: %q %v\nbyte by byte: %q %v", whole, wholeErr, cut, cutErr)
		}
		if strings.ContainsAny(name, "\r\n") || bytes.ContainsRune(data, '\r') {
			return
		}
		out := Append(nil, name, data)
		ev, err := NewReader(bytes.NewReader(out), 0).Next()
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if ev.Name != name || !bytes.Equal(ev.Data, data) {
			t.Fatalf("round trip: %q %q -> %q %q", name, data, ev.Name, ev.Data)
		}
	})
}

// events reads every event (copies: Next reuses its buffers) and the error that ended them.
func events(r *Reader) ([]Event, error) {
	var evs []Event
	for i := 0; i < 1<<16; i++ {
		ev, err := r.Next()
		if err != nil {
			return evs, err
		}
		evs = append(evs, Event{Name: ev.Name, Data: bytes.Clone(ev.Data)})
	}
	return evs, nil
}
