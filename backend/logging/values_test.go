package logging

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// A provider key of no known shape: only value redaction catches it.
const shapeless = "Zq81-plain-vendor-key-77a1"

func TestValuesRedact(t *testing.T) {
	v := NewValues()
	v.Add(shapeless, "short", "")
	tests := []struct{ in, want string }{
		{"Incorrect API key provided: " + shapeless + ".", "Incorrect API key provided: " + Mask + "."},
		{`{"error":{"message":"bad key ` + shapeless + `"}}`, `{"error":{"message":"bad key ` + Mask + `"}}`},
		{"a short word stays", "a short word stays"},
		{"sk-abcdefghijklmnop still masked by shape", Mask + " still masked by shape"},
	}
	for _, tt := range tests {
		if got := v.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := v.Redact("client sent per-request-value-123", "per-request-value-123"); strings.Contains(got, "per-request") {
		t.Errorf("request-scoped value kept: %q", got)
	}
	var nilValues *Values
	if got := nilValues.Redact("Bearer " + shapeless); strings.Contains(got, shapeless) {
		t.Errorf("nil Values must still redact by shape: %q", got)
	}
}

func TestValuesHeadersAndRequestSecrets(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "bearer "+shapeless)
	h.Set("X-Goog-Api-Key", "goog-value-123456")
	h.Set("X-Trace", "trace "+shapeless)
	got := RequestSecrets(h)
	if len(got) != 2 || got[0] != shapeless || got[1] != "goog-value-123456" {
		t.Fatalf("RequestSecrets = %q", got)
	}
	v := NewValues()
	v.Add(shapeless)
	if out := v.RedactHeaders(h); strings.Contains(out.Get("X-Trace"), shapeless) {
		t.Fatalf("header value leaked: %q", out)
	}
}

func TestValuesHandler(t *testing.T) {
	var buf bytes.Buffer
	v := NewValues()
	log := slog.New(v.Handler(slog.NewTextHandler(&buf, nil)))
	v.Add(shapeless) // added after the logger was built: still masked
	log.Info("upstream said "+shapeless, "err", errors.New("401: "+shapeless), "detail", shapeless,
		"secret_store", "file /data/secrets.json", slog.Group("g", "x", shapeless))
	if strings.Contains(buf.String(), shapeless) {
		t.Fatalf("log leaked the key:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "secret_store=\"file /data/secrets.json\"") {
		t.Fatalf("secret_store is not a secret; got:\n%s", buf.String())
	}
}

func TestIsSecretKey(t *testing.T) {
	for k, want := range map[string]bool{
		"api_key": true, "x-api-key": true, "apiKey": true, "access_token": true, "client_secret": true,
		"password": true, "Authorization": true, "cookie": true,
		"secret_store": false, "token_count": false, "passwordSet": false, "model": false, "key_id": false,
	} {
		if got := IsSecretKey(k); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", k, got, want)
		}
	}
}

func TestValuesConcurrentAdd(t *testing.T) {
	v := NewValues()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := strings.Repeat(string(rune('a'+i)), 12)
			v.Add(key)
			if got := v.Redact("x " + key); strings.Contains(got, key) {
				t.Errorf("own key leaked: %q", got)
			}
		}()
	}
	wg.Wait()
}

func FuzzValuesRedact(f *testing.F) {
	f.Add("error: "+shapeless, shapeless)
	f.Fuzz(func(t *testing.T, text, secret string) {
		v := NewValues()
		v.Add(secret)
		out := v.Redact(text)
		if s := strings.TrimSpace(secret); len(s) >= MinSecretLen && !strings.Contains(Mask, s) && strings.Contains(out, s) {
			t.Fatalf("Redact(%q) kept %q: %q", text, s, out)
		}
	})
}
