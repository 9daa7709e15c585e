package sdktest_test

import (
	"encoding/json"
	"strings"
	"testing"

	oaissestream "github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/responses"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/translate"
	"github.com/ninerouter/ninerouter/backend/translate/sse"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// anthropicThinking is an Anthropic answer with a signed thinking block, a redacted one and a tool call.
const anthropicThinking = `{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[
{"type":"thinking","thinking":"Let me think.","signature":"EqQBCkYIBxgCKkBsig=="},
{"type":"redacted_thinking","data":"EmwKAhgBEgy3redacted"},
{"type":"tool_use","id":"toolu_01","name":"ls","input":{"path":"."}}],
"stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":20}}`

// TestThinkingSignaturesRoundTrip: a client of another format receives Anthropic's thinking, replays it in its
// next request, and Anthropic gets back exactly its own signature and redacted data (never a fake one).
func TestThinkingSignaturesRoundTrip(t *testing.T) {
	for _, client := range []wire.Format{wire.Responses, wire.Gemini} {
		t.Run(string(client), func(t *testing.T) {
			answer, _, err := translate.Response(wire.Anthropic, client, "m", []byte(anthropicThinking))
			if err != nil {
				t.Fatal(err)
			}
			var next []byte
			switch client {
			case wire.Responses:
				next = []byte(`{"model":"m","input":[{"role":"user","content":"list files"}]}`)
				gjson.GetBytes(answer, "output").ForEach(func(_, it gjson.Result) bool {
					next, _ = sjson.SetRawBytes(next, "input.-1", []byte(it.Raw))
					return true
				})
				next, _ = sjson.SetRawBytes(next, "input.-1", []byte(`{"type":"function_call_output","call_id":"toolu_01","output":"a.txt"}`))
			case wire.Gemini:
				next = []byte(`{"contents":[{"role":"user","parts":[{"text":"list files"}]}]}`)
				next, _ = sjson.SetRawBytes(next, "contents.-1", []byte(gjson.GetBytes(answer, "candidates.0.content").Raw))
				next, _ = sjson.SetRawBytes(next, "contents.-1", []byte(`{"role":"user","parts":[{"functionResponse":{"id":"toolu_01","name":"ls","response":{"output":"a.txt"}}}]}`))
			}
			req, err := translate.Request(client, wire.Anthropic, "claude", next, false)
			if err != nil {
				t.Fatal(err)
			}
			asst := gjson.GetBytes(req, "messages.1.content")
			if asst.Get("0.type").String() != "thinking" || asst.Get("0.signature").String() != "EqQBCkYIBxgCKkBsig==" ||
				asst.Get("0.thinking").String() != "Let me think." {
				t.Errorf("thinking block not restored: %s", asst.Raw)
			}
			if asst.Get("1.type").String() != "redacted_thinking" || asst.Get("1.data").String() != "EmwKAhgBEgy3redacted" {
				t.Errorf("redacted thinking not restored: %s", asst.Raw)
			}
			if asst.Get("2.type").String() != "tool_use" || gjson.GetBytes(req, "messages.2.content.0.tool_use_id").String() != asst.Get("2.id").String() {
				t.Errorf("tool call/result pairing: %s", req)
			}
			// The same history sent to another vendor carries no Anthropic signature.
			for _, other := range []wire.Format{wire.OpenAI, wire.Gemini, wire.Responses} {
				if other == client {
					continue
				}
				out, err := translate.Request(client, other, "x", next, false)
				if err != nil {
					t.Fatal(err)
				}
				if s := string(out); strings.Contains(s, "EqQBCkYIBxgCKkBsig") || strings.Contains(s, "EmwKAhgBEgy3redacted") {
					t.Errorf("%s received Anthropic's signature: %s", other, clip(out))
				}
			}
		})
	}
}

// TestInBandErrorInOKBody: an error object in a 200 body is an upstream error, not an answer.
func TestInBandErrorInOKBody(t *testing.T) {
	for _, tc := range []struct {
		up   wire.Format
		body string
	}{
		{wire.OpenAI, `{"error":{"message":"overloaded","type":"server_error","code":"server_is_overloaded"}}`},
		{wire.Anthropic, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
		{wire.Gemini, `{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}`},
	} {
		for _, client := range wire.Formats {
			_, _, err := translate.Response(tc.up, client, "m", []byte(tc.body))
			ue, ok := err.(*wire.UpstreamError)
			if !ok || !ue.InBand || ue.Status < 429 {
				t.Errorf("%s -> %s: %v", tc.up, client, err)
			}
		}
	}
	if _, _, err := translate.Response(wire.Responses, wire.OpenAI, "m", []byte(`{"id":"r","object":"response","status":"completed","error":null,"output":[]}`)); err != nil {
		t.Errorf("error:null is not an error: %v", err)
	}
}

// TestCodexApplyPatchRoundTrip: Codex's freeform apply_patch tool crosses to Anthropic as a one-string-argument
// tool, and the call comes back to Codex as a custom_tool_call carrying the raw patch, streaming and not.
func TestCodexApplyPatchRoundTrip(t *testing.T) {
	req, err := translate.Request(wire.Responses, wire.Anthropic, "claude", readRequest(t, "codex-request.json"), true)
	if err != nil {
		t.Fatal(err)
	}
	if !gjson.GetBytes(req, `tools.#(name=="apply_patch").input_schema.properties.input`).Exists() {
		t.Fatalf("apply_patch not declared: %s", gjson.GetBytes(req, "tools.#.name"))
	}
	patch := "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n"
	args, _ := sjson.Set(`{}`, "input", patch)
	var evs []sse.Event
	for _, d := range []string{
		`{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"usage":{"input_tokens":5,"output_tokens":1}}}`,
		`{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_9","name":"apply_patch","input":{}}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":` + strconvQuote(args[:10]) + `}}`,
		`{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":` + strconvQuote(args[10:]) + `}}`,
		`{"type":"content_block_stop","index":0}`,
		`{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":30}}`,
		`{"type":"message_stop"}`,
	} {
		evs = append(evs, sse.Event{Name: gjson.Get(d, "type").String(), Data: []byte(d)})
	}
	out, _, err := runStream(t, wire.Anthropic, wire.Responses, evs)
	if err != nil {
		t.Fatal(err)
	}
	st := oaissestream.NewStream[responses.ResponseStreamEventUnion](oaissestream.NewDecoder(sseResponse(out)), nil)
	var final *responses.Response
	for st.Next() {
		if ev := st.Current(); ev.Type == "response.completed" {
			r := ev.Response
			final = &r
		}
	}
	if st.Err() != nil || final == nil || len(final.Output) != 1 {
		t.Fatalf("stream: %v\n%s", st.Err(), out)
	}
	it := final.Output[0]
	if it.Type != "custom_tool_call" || it.Name != "apply_patch" || it.Input != patch || it.CallID != "toolu_9" {
		t.Fatalf("got %s", it.RawJSON())
	}
	// Codex replays the call and its output; Anthropic sees a tool_use/tool_result pair with the patch.
	next := `{"model":"m","input":[{"role":"user","content":"add a file"},` + it.RawJSON() +
		`,{"type":"custom_tool_call_output","call_id":"toolu_9","output":"Done"}]}`
	back, err := translate.Request(wire.Responses, wire.Anthropic, "claude", []byte(next), false)
	if err != nil {
		t.Fatal(err)
	}
	if gjson.GetBytes(back, "messages.1.content.0.input.input").String() != patch ||
		gjson.GetBytes(back, "messages.2.content.0.tool_use_id").String() != "toolu_9" {
		t.Fatalf("replay: %s", back)
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestThinkingOffForForeignToolLoop: an OpenAI client continuing a tool loop with thinking asked cannot give
// Claude the signed thinking it requires, so thinking is left off for that turn (not a 400); a fresh user
// turn keeps it.
func TestThinkingOffForForeignToolLoop(t *testing.T) {
	loop := `{"model":"m","reasoning_effort":"high","messages":[{"role":"user","content":"ls"},
{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"ls","arguments":"{}"}}]},
{"role":"tool","tool_call_id":"call_1","content":"a.txt"}],"tools":[{"type":"function","function":{"name":"ls","parameters":{"type":"object"}}}]}`
	out, err := translate.Request(wire.OpenAI, wire.Anthropic, "claude", []byte(loop), true)
	if err != nil {
		t.Fatal(err)
	}
	if gjson.GetBytes(out, "thinking").Exists() {
		t.Errorf("thinking kept for an unsigned tool loop: %s", out)
	}
	fresh, _ := sjson.Set(loop, "messages.-1", map[string]string{"role": "assistant", "content": "There is a.txt."})
	fresh, _ = sjson.Set(fresh, "messages.-1", map[string]string{"role": "user", "content": "and now?"})
	out, _ = translate.Request(wire.OpenAI, wire.Anthropic, "claude", []byte(fresh), true)
	if gjson.GetBytes(out, "thinking.budget_tokens").Int() != 16384 {
		t.Errorf("thinking lost on a fresh turn: %s", gjson.GetBytes(out, "thinking"))
	}
}
