package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
)

// TestRoutingDoneWhen is the "Done when": with the router serving, a node added by `provider add-node`
// pointing at the mock, and `combo set c <failing> <good>`, a request for c is answered by the second model with
// one usage row per attempt; `combo activate` switches what the active virtual model serves without a restart.
func TestRoutingDoneWhen(t *testing.T) {
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	li := startLive(t)
	cli, addr, dir, env, inst, ctx := li.cli, li.addr, li.dir, li.env, li.inst, context.Background()

	cli("provider", "add-node", "--prefix", "mock", "--format", "openai", "--base-url", mock.URL+"/v1", "--api-key", "k-mock")
	cli("combo", "set", "c", "mock/status-503", "mock/good")
	cli("combo", "set", "d", "mock/other")
	key := strings.TrimSpace(cli("key", "create", "--name", "test"))
	if !strings.HasPrefix(key, "nr-") || strings.Contains(key, "\n") {
		t.Fatalf("key create printed %q, want the key alone", key)
	}

	client := openai.NewClient(option.WithBaseURL("http://"+addr+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	ask := func(model string) string {
		t.Helper()
		res, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model: model, Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
		if err != nil {
			t.Fatalf("model %s: %v", model, err)
		}
		return res.Choices[0].Message.Content
	}
	if got := ask("c"); got != "Hello from the mock upstream." {
		t.Fatalf("answer %q", got)
	}
	reqs := mock.Requests()
	if len(reqs) != 2 || reqs[0].Model != "status-503" || reqs[1].Model != "good" {
		t.Fatalf("mock saw %+v, want status-503 then good", models(reqs))
	}
	if err := inst.Svc.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := inst.Svc.UsageRecords(ctx, time.Now().Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d usage rows, want one per attempt (2)", len(rows))
	}
	byAttempt := map[int]string{}
	for _, r := range rows {
		byAttempt[r.Attempt] = r.Outcome + "/" + r.Model
		if r.Combo != "c" || r.KeyID == 0 {
			t.Errorf("row %+v lacks combo or key", r)
		}
	}
	if byAttempt[1] != "error/status-503" || byAttempt[2] != "ok/good" {
		t.Fatalf("usage rows %v", byAttempt)
	}
	// One client request, two upstream tries of it: both counted, labelled (issue #13's numbers that agree).
	out := cli("usage", "--since", "1h", "--by", "combo")
	if !strings.Contains(out, ": 1 requests, 2 attempts (1 failed),") || !strings.Contains(out, "REQUESTS  ATTEMPTS  FAILED") {
		t.Errorf("usage summary:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 8 && f[0] == "c" && (f[1] != "1" || f[2] != "2" || f[3] != "1") {
			t.Errorf("combo c: want 1 request, 2 attempts, 1 failed: %q", line)
		}
	}

	cli("combo", "activate", "c")
	ask("ninerouter/active")
	if last := mock.Requests()[len(mock.Requests())-1].Model; last != "good" {
		t.Fatalf("active c served by %q", last)
	}
	cli("combo", "activate", "d")
	ask("ninerouter/active")
	if last := mock.Requests()[len(mock.Requests())-1].Model; last != "other" {
		t.Fatalf("after activate d, the active model was served by %q", last)
	}
	if out := cli("usage", "--since", "1h"); !strings.Contains(out, "mock/good") {
		t.Errorf("usage output lacks mock/good:\n%s", out)
	}
	if out := cli("provider", "test", "1", "--model", "good"); !strings.Contains(out, "answered") {
		t.Errorf("provider test: %s", out)
	}
	if code, _, _ := run(t, env, "provider", "test", "1", "--model", "status-401", "--addr", addr, "--data-dir", dir); code != 1 {
		t.Errorf("a failing account test exits %d, want 1", code)
	}
	if out := cli("provider", "list"); !strings.Contains(out, "mock") {
		t.Errorf("provider list:\n%s", out)
	}
	if out := cli("combo", "list"); !strings.Contains(out, "* d") {
		t.Errorf("combo list does not mark d active:\n%s", out)
	}
}

func models(rs []mockupstream.Received) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Model)
	}
	return out
}
