package logging

import (
	"bytes"
	"encoding/json"
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

// FuzzRedact: Redact is idempotent, and whatever text surrounds them, a bearer token on its own line and the
// value of a credential field in JSON never survive it.
func FuzzRedact(f *testing.F) {
	f.Add(`{"api_key":"`+canary+`"}`, canary, "x")
	f.Add("Bearer "+canary, "abcdefgh", "")
	f.Add("?key="+canary, "sk-"+canary, "\n")
	f.Fuzz(func(t *testing.T, s, secret, around string) {
		out := Redact(s)
		if Redact(out) != out {
			t.Fatalf("Redact is not idempotent: %q -> %q -> %q", s, out, Redact(out))
		}
		if strings.ContainsAny(around, `"\`) {
			return // a quote there could open a string that swallows the field's own quotes
		}
		v, _ := json.Marshal(secret)
		v = v[1 : len(v)-1]
		if len(v) >= 8 && !strings.Contains(around, string(v)) && !strings.Contains(Mask, string(v)) {
			if out := Redact(around + `{"api_key": "` + string(v) + `"}` + around); strings.Contains(out, string(v)) {
				t.Fatalf("JSON credential %s kept: %q", v, out)
			}
		}
		tok := strings.Map(func(r rune) rune {
			if r < 128 && (r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || strings.ContainsRune("._~+/=-", r)) {
				return r
			}
			return -1
		}, secret)
		if len(tok) >= 8 && !strings.Contains(around, tok) && !strings.Contains(Mask, tok) {
			if out := Redact(around + "\nAuthorization: Bearer " + tok + "\n" + around); strings.Contains(out, tok) {
				t.Fatalf("bearer token %s kept: %q", tok, out)
			}
		}
	})
}
