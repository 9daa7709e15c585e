package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

const canary = "sk-canary-9f8e7d6c5b4a39281706"

func TestRedactRemovesCanaryEverywhere(t *testing.T) {
	inputs := []string{
		`{"api_key":"` + canary + `","model":"x"}`,
		`{"refresh_token": "` + canary + `"}`,
		"Authorization: Bearer " + canary,
		"https://generativelanguage.googleapis.com/v1beta/models?key=" + canary + "&alt=sse",
		"upstream said: invalid key " + canary,
		`{"nested":{"access_token":"` + canary + `"}}`,
	}
	for _, in := range inputs {
		if out := Redact(in); strings.Contains(out, "canary") {
			t.Errorf("Redact(%q) = %q", in, out)
		}
	}
	if got := Redact(`{"model":"gpt-5","messages":[]}`); got != `{"model":"gpt-5","messages":[]}` {
		t.Errorf("harmless text changed: %q", got)
	}
}

func TestRedactHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+canary)
	h.Set("X-Api-Key", canary)
	h.Set("X-Goog-Api-Key", canary)
	h.Set("Cookie", "nr_session="+canary)
	h.Set("Content-Type", "application/json")
	out := RedactHeaders(h)
	for k, vs := range out {
		for _, v := range vs {
			if strings.Contains(v, "canary") {
				t.Errorf("%s leaked: %q", k, v)
			}
		}
	}
	if out.Get("Content-Type") != "application/json" {
		t.Error("harmless header changed")
	}
	if h.Get("X-Api-Key") != canary {
		t.Error("RedactHeaders modified its input")
	}
}

func TestSlogHandlerRedacts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, nil)))
	log.Info("calling upstream with Bearer "+canary, "api_key", canary, "detail", `{"token":"`+canary+`"}`,
		"err", errors.New("401 for key "+canary), slog.Group("req", "authorization", canary))
	log.With("password", canary).Warn("x")
	if strings.Contains(buf.String(), "canary") {
		t.Fatalf("log leaked the canary:\n%s", buf.String())
	}
}

func FuzzRedact(f *testing.F) {
	f.Add(`{"api_key":"` + canary + `"}`)
	f.Add("Bearer " + canary)
	f.Add("?key=" + canary)
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		if Redact(out) != out {
			t.Fatalf("Redact is not idempotent: %q -> %q -> %q", s, out, Redact(out))
		}
	})
}
