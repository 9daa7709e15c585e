package kiro_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/provider/kiro"
	"github.com/ninerouter/ninerouter/backend/testkit/golden"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
)

var update = flag.Bool("update", false, "rewrite golden files")

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, *update)
}

const conversation = `{"model":"claude-sonnet-4.5","max_tokens":1024,"temperature":0.3,
 "system":[{"type":"text","text":"You are terse."}],
 "tools":[{"name":"weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},{"name":"noop"}],
 "messages":[
  {"role":"user","content":"What is the weather in Paris?"},
  {"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]},
  {"role":"assistant","content":[{"type":"thinking","thinking":"hm"},{"type":"tool_use","id":"tu_1","name":"weather","input":{"city":"Paris"}}]},
  {"role":"user","content":[{"type":"tool_result","tool_use_id":"tu_1","content":[{"type":"text","text":"18C, sunny"}]}]},
  {"role":"assistant","content":"It is 18C."},
  {"role":"user","content":[{"type":"text","text":"And tomorrow?"},{"type":"tool_result","tool_use_id":"tu_0","is_error":true,"content":"boom"}]}
 ]}`

// TestBody: system into the first user turn, consecutive user turns merged, thinking dropped, tool calls and
// results in Kiro's places, tools on the current message, only base64 images, output bound and sampling kept.
func TestBody(t *testing.T) {
	b, err := kiro.Body([]byte(conversation), "claude-sonnet-4.5", "arn:aws:codewhisperer:us-east-1:1:profile/P")
	if err != nil {
		t.Fatal(err)
	}
	if id := gjson.GetBytes(b, "conversationState.conversationId").String(); len(id) != 36 {
		t.Fatalf("conversation id %q", id)
	}
	b, _ = sjson.SetBytes(b, "conversationState.conversationId", "fixed")
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, b, "", "  ")
	goldenFile(t, "conversation.kiro.json", append(pretty.Bytes(), '\n'))
}

func TestBodyEdges(t *testing.T) {
	cases := []struct{ name, in, check, want string }{
		{"prefill becomes history", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Sure:"}]}`,
			"conversationState.currentMessage.userInputMessage.content", "Continue."},
		{"assistant first gets a user turn", `{"system":"S","messages":[{"role":"assistant","content":"a"},{"role":"user","content":"u"}]}`,
			"conversationState.history.0.userInputMessage.content", "S"},
		{"empty user text", `{"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":[]}]}]}`,
			"conversationState.currentMessage.userInputMessage.content", "."},
	}
	for _, c := range cases {
		b, err := kiro.Body([]byte(c.in), "m", "")
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := gjson.GetBytes(b, c.check).String(); got != c.want {
			t.Fatalf("%s: %s = %q in %s", c.name, c.check, got, b)
		}
	}
	for _, bad := range []string{`{"messages":[]}`, `{"messages":[{"role":"tool","content":"x"}]}`, `not json`} {
		if _, err := kiro.Body([]byte(bad), "m", ""); err == nil {
			t.Fatalf("%s was accepted", bad)
		}
	}
}

func frame(t testing.TB, msgType, evType string, payload string) []byte {
	var h eventstream.Headers
	h.Set(":message-type", eventstream.StringValue(msgType))
	if msgType == "exception" {
		h.Set(":exception-type", eventstream.StringValue(evType))
	} else {
		h.Set(":event-type", eventstream.StringValue(evType))
	}
	var buf bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&buf, eventstream.Message{Headers: h, Payload: []byte(payload)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func answer(t testing.TB) []byte {
	return bytes.Join([][]byte{
		frame(t, "event", "assistantResponseEvent", `{"content":"Let me check. "}`),
		frame(t, "event", "toolUseEvent", `{"name":"weather","toolUseId":"tu_9","input":"{\"city\":"}`),
		frame(t, "event", "toolUseEvent", `{"name":"weather","toolUseId":"tu_9","input":"\"Paris\"}"}`),
		frame(t, "event", "toolUseEvent", `{"name":"weather","toolUseId":"tu_9","stop":true}`),
		frame(t, "event", "meteringEvent", `{"unit":"credit","usage":0.02}`),
		frame(t, "event", "metricsEvent", `{"inputTokens":12,"outputTokens":7}`),
		frame(t, "event", "contextUsageEvent", `{"contextUsagePercentage":2.5}`),
	}, nil)
}

// normalise replaces the random message id.
func normalise(b []byte) []byte {
	i := bytes.Index(b, []byte(`"id":"msg_`))
	if i < 0 {
		return b
	}
	return append(append(b[:i:i], `"id":"msg_X"`...), b[i+len(`"id":"msg_`)+36+1:]...)
}

func TestStream(t *testing.T) {
	got, err := io.ReadAll(kiro.NewStream(io.NopCloser(bytes.NewReader(answer(t))), "claude-sonnet-4.5"))
	if err != nil {
		t.Fatal(err)
	}
	goldenFile(t, "answer.sse", normalise(got))
}

func TestStreamDamage(t *testing.T) {
	whole := answer(t)
	crc := append([]byte(nil), whole...)
	crc[20] ^= 0x01 // a header byte of the first frame: the message CRC no longer matches
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"crc", crc, "checksum"},
		{"truncated", whole[:len(whole)-5], "unexpected eof"},
	}
	for _, c := range cases {
		_, err := io.ReadAll(kiro.NewStream(io.NopCloser(bytes.NewReader(c.in)), "m"))
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), c.want) {
			t.Fatalf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
	exc := frame(t, "exception", "ThrottlingException", `{"message":"Too many requests"}`)
	got, err := io.ReadAll(kiro.NewStream(io.NopCloser(bytes.NewReader(exc)), "m"))
	if err != nil || !strings.Contains(string(got), `"rate_limit_error"`) || !strings.Contains(string(got), "Too many requests") {
		t.Fatalf("exception: %s %v", got, err)
	}
}

func TestParseImportAt(t *testing.T) {
	dir := t.TempDir()
	social := `{"accessToken":"a","refreshToken":"aorAAAAAGsocial","expiresAt":"2030-01-02T03:04:05Z","authMethod":"social","provider":"Google","profileArn":"arn:p"}`
	g, err := kiro.ParseImportAt(filepath.Join(dir, "kiro-auth-token.json"), []byte(social))
	if err != nil || g.Token.RefreshToken != "aorAAAAAGsocial" || g.Identity.Meta[kiro.MetaProfileARN] != "arn:p" || g.Token.Expiry.Year() != 2030 {
		t.Fatalf("social: %+v %v", g, err)
	}
	idc := `{"accessToken":"a","refreshToken":"aorAAAAAGidc","authMethod":"IdC","provider":"BuilderId","clientIdHash":"abc","region":"eu-west-1"}`
	if _, err := kiro.ParseImportAt(filepath.Join(dir, "kiro-auth-token.json"), []byte(idc)); err == nil || !strings.Contains(err.Error(), "abc.json") {
		t.Fatalf("missing registration: %v", err)
	}
	_ = os.WriteFile(filepath.Join(dir, "abc.json"), []byte(`{"clientId":"cid","clientSecret":"csec"}`), 0o600)
	g, err = kiro.ParseImportAt(filepath.Join(dir, "kiro-auth-token.json"), []byte(idc))
	if err != nil || g.Token.Extra["client_secret"] != "csec" || g.Identity.Meta["region"] != "eu-west-1" {
		t.Fatalf("idc: %+v %v", g, err)
	}
	for _, bad := range []string{`{"refreshToken":"nope"}`, `{"refreshToken":"aorAAAAAGx","region":"evil.com/"}`,
		`{"refreshToken":"aorAAAAAGx","authMethod":"IdC","clientIdHash":"../x"}`} {
		if _, err := kiro.ParseImportAt(filepath.Join(dir, "f.json"), []byte(bad)); err == nil {
			t.Fatalf("%s was accepted", bad)
		}
	}
}

// FuzzStream: any bytes either decode into well-formed SSE events or end with an error; never a panic, never an
// event whose data is not JSON, and the same events whether the bytes arrive at once or one at a time.
func FuzzStream(f *testing.F) {
	f.Add(answer(f))
	f.Add(frame(f, "exception", "ValidationException", `{"message":"x"}`))
	f.Add([]byte{0, 0, 0, 16, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := io.ReadAll(kiro.NewStream(io.NopCloser(bytes.NewReader(raw)), "m"))
		// However the network cuts the frames, the same events come out and the same error ends them.
		cut, cutErr := io.ReadAll(kiro.NewStream(io.NopCloser(iotest.OneByteReader(bytes.NewReader(raw))), "m"))
		if a, b := messageID.ReplaceAll(out, nil), messageID.ReplaceAll(cut, nil); !bytes.Equal(a, b) || fmt.Sprint(err) != fmt.Sprint(cutErr) {
			t.Fatalf("read whole: %q %v\nbyte by byte: %q %v", a, err, b, cutErr)
		}
		r := sse.NewReader(bytes.NewReader(out), 0)
		for {
			ev, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil || !json.Valid(ev.Data) {
				t.Fatalf("bad event %q: %v", ev.Data, err)
			}
		}
	})
}

// messageID is the random id of each answer, the one part that differs between two runs.
var messageID = regexp.MustCompile(`"msg_[0-9a-f-]*"`)

// FuzzBody: any Anthropic-shaped body either is refused or becomes a conversationState whose history alternates
// from a user turn and whose current message is a user message with content.
func FuzzBody(f *testing.F) {
	f.Add([]byte(conversation))
	f.Add([]byte(`{"messages":[{"role":"assistant","content":"x"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := kiro.Body(raw, "m", "")
		if err != nil {
			return
		}
		st := gjson.GetBytes(b, "conversationState")
		if st.Get("currentMessage.userInputMessage.content").String() == "" {
			t.Fatalf("no current content: %s", b)
		}
		for i, h := range st.Get("history").Array() {
			if h.Get("userInputMessage").Exists() != (i%2 == 0) {
				t.Fatalf("history %d breaks alternation: %s", i, b)
			}
		}
	})
}
