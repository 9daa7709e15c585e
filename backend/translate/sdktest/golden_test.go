package sdktest_test

import (
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/testkit/golden"
	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/ir"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// truthOf folds an upstream stream with the upstream codec alone: what the upstream said, before any
// translation. The golden file pins it so a decoder regression shows up as a diff.
func truthOf(t *testing.T, fx fixture) (summary, error) {
	t.Helper()
	c := testCodecs[fx.Format]
	dec := c.NewDecoder()
	var col ir.Collector
	seq := ir.Sequencer{Enc: &col}
	var evs []ir.Event
	var upErr error
	for _, ev := range fx.Events {
		var err error
		evs, err = dec.Decode(evs[:0], ev)
		for i := range evs {
			seq.Apply(nil, &evs[i])
		}
		if err != nil {
			upErr = err
			break
		}
	}
	seq.Finish(nil)
	return summarize(&col.Resp), upErr
}

func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	path := filepath.Join("testdata", "golden", strings.NewReplacer("/", "__", "#", "_").Replace(name)+".json")
	got, _ := json.MarshalIndent(v, "", "  ")
	golden.Check(t, path, append(got, '\n'), *update)
}

// expectFor adapts the upstream truth to what client format c can express: Anthropic's extra stop reasons
// collapse to a plain stop elsewhere, and only Anthropic has a cache-write count (others fold it into input).
func expectFor(c wire.Format, s summary) summary {
	if c != wire.Anthropic {
		if s.Stop == ir.StopSequence || s.Stop == ir.StopPause {
			s.Stop = ir.StopEnd
		}
		s.Usage.Input += s.Usage.CacheWrite
		s.Usage.CacheWrite = 0
	} else {
		s.Usage.Reasoning = 0 // Anthropic's usage has no reasoning count
	}
	if !s.Usage.Reported {
		s.Usage = wire.Usage{}
	}
	return s
}

func normalizeGot(c wire.Format, s summary, want summary) summary {
	if !want.Usage.Reported {
		s.Usage = wire.Usage{}
	}
	if c == wire.Anthropic {
		s.Usage.Reasoning = 0
	}
	return s
}

func runStream(t *testing.T, up, client wire.Format, events []sse.Event) ([]byte, wire.Usage, error) {
	t.Helper()
	st := translate.NewStream(up, client, "nr-model")
	var out []byte
	for _, ev := range events {
		var err error
		out, err = st.Event(out, ev)
		if err != nil {
			var ue *wire.UpstreamError
			if !errors.As(err, &ue) {
				t.Fatalf("stream error is %T, want *wire.UpstreamError", err)
			}
			return translate.StreamError(client, out, ue), st.Usage(), err
		}
	}
	return st.Finish(out), st.Usage(), nil
}

// TestStreamsThroughSDKs replays every recorded stream into every client format and parses the result with
// that format's official SDK: text, thinking, tool calls, stop reason and usage must all survive.
func TestStreamsThroughSDKs(t *testing.T) {
	streams, _, _ := loadFixtures(t)
	if len(streams) < 40 {
		t.Fatalf("only %d stream fixtures found", len(streams))
	}
	for _, fx := range streams {
		t.Run(fx.Name, func(t *testing.T) {
			truth, upErr := truthOf(t, fx)
			checkGolden(t, "streams/"+fx.Name, struct {
				summary
				Error string `json:",omitempty"`
			}{truth, errString(upErr)})
			for _, client := range wire.Formats {
				t.Run(string(client), func(t *testing.T) {
					out, usage, err := runStream(t, fx.Format, client, fx.Events)
					got, perr := streamParsers[client](out)
					if upErr != nil {
						if err == nil {
							t.Fatalf("upstream error %v was not reported", upErr)
						}
						if perr == nil {
							t.Fatalf("SDK did not see the in-band error in:\n%s", out)
						}
						return
					}
					if err != nil {
						t.Fatalf("stream: %v", err)
					}
					if perr != nil {
						t.Fatalf("SDK could not parse the translated stream: %v\n%s", perr, clip(out))
					}
					want := expectFor(client, truth)
					got = normalizeGot(client, got, want)
					if fx.Format == client {
						// passthrough: the client sees the upstream's own bytes
						want = expectPassthrough(client, truth, got)
					}
					compare(t, got, want, out)
					if truth.Usage.Reported && usage.Output != truth.Usage.Output {
						t.Errorf("recorded usage output %d, want %d", usage.Output, truth.Usage.Output)
					}
				})
			}
		})
	}
}

// expectPassthrough: bytes are the upstream's own, so usage and stop are as the vendor wrote them.
func expectPassthrough(c wire.Format, truth, got summary) summary {
	w := expectFor(c, truth)
	w.Usage = got.Usage
	if c == wire.Anthropic || c == wire.Responses {
		w.Stop = got.Stop
	}
	return w
}

func compare(t *testing.T, got, want summary, out []byte) {
	t.Helper()
	if got.Text != want.Text {
		t.Errorf("text:\n got %q\nwant %q", got.Text, want.Text)
	}
	if got.Thinking != want.Thinking {
		t.Errorf("thinking:\n got %q\nwant %q", got.Thinking, want.Thinking)
	}
	if !reflect.DeepEqual(got.Tools, want.Tools) && !(len(got.Tools) == 0 && len(want.Tools) == 0) {
		t.Errorf("tools:\n got %v\nwant %v", got.Tools, want.Tools)
	}
	if got.Stop != want.Stop {
		t.Errorf("stop: got %q want %q", got.Stop, want.Stop)
	}
	if got.Usage != want.Usage {
		t.Errorf("usage:\n got %+v\nwant %+v", got.Usage, want.Usage)
	}
	if t.Failed() {
		t.Logf("translated stream:\n%s", clip(out))
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestBodiesThroughSDKs translates every recorded non-stream body into every client format and parses it
// with the client's SDK type.
func TestBodiesThroughSDKs(t *testing.T) {
	_, bodies, _ := loadFixtures(t)
	for _, fx := range bodies {
		t.Run(fx.Name, func(t *testing.T) {
			r, err := testCodecs[fx.Format].DecodeResponse(fx.Body)
			if err != nil {
				t.Fatal(err)
			}
			truth := summarize(r)
			checkGolden(t, "bodies/"+fx.Name, truth)
			for _, client := range wire.Formats {
				t.Run(string(client), func(t *testing.T) {
					out, usage, err := translate.Response(fx.Format, client, "nr-model", fx.Body)
					if err != nil {
						t.Fatal(err)
					}
					got, err := parseBody(client, out)
					if err != nil {
						t.Fatalf("SDK could not parse: %v\n%s", err, clip(out))
					}
					want := expectFor(client, truth)
					got = normalizeGot(client, got, want)
					if client == fx.Format {
						want = expectPassthrough(client, truth, got)
					}
					compare(t, got, want, out)
					if usage != truth.Usage {
						t.Errorf("reported usage %+v, want %+v", usage, truth.Usage)
					}
				})
			}
		})
	}
}

// TestFoldMatchesStream folds each recorded stream into each client's JSON (a client asked for JSON from a
// stream-only upstream) and checks it against the same truth.
func TestFoldMatchesStream(t *testing.T) {
	streams, _, _ := loadFixtures(t)
	for _, fx := range streams {
		truth, upErr := truthOf(t, fx)
		if upErr != nil {
			continue
		}
		for _, client := range wire.Formats {
			t.Run(fx.Name+"/"+string(client), func(t *testing.T) {
				f := translate.NewFold(fx.Format, client, "nr-model")
				for _, ev := range fx.Events {
					if err := f.Event(ev); err != nil {
						t.Fatal(err)
					}
				}
				out, _, err := f.Result()
				if err != nil {
					t.Fatal(err)
				}
				got, err := parseBody(client, out)
				if err != nil {
					t.Fatalf("SDK could not parse fold: %v\n%s", err, clip(out))
				}
				want := expectFor(client, truth)
				compare(t, normalizeGot(client, got, want), want, out)
			})
		}
	}
}

// TestErrorBodies maps every recorded error body into every client's error shape.
func TestErrorBodies(t *testing.T) {
	_, _, errs := loadFixtures(t)
	if len(errs) == 0 {
		t.Fatal("no error fixtures")
	}
	for _, fx := range errs {
		status := fx.Status
		if status == 0 {
			status = 400
		}
		ue := wire.ParseError(status, fx.Error)
		if ue.Message == "" || ue.Type == "" {
			t.Errorf("%s: parsed %+v", fx.Name, ue)
		}
		for _, client := range wire.Formats {
			st, body := translate.ErrorBody(client, ue)
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil || st != status {
				t.Errorf("%s -> %s: %d %s", fx.Name, client, st, body)
			}
		}
	}
}
