package geminicli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/geminicli"
	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// token signs in at the mock by hand (authorize → code → token) and returns the access token.
func token(t *testing.T, m *mockvendor.Mock) string {
	t.Helper()
	env := oauth.Env{HTTP: http.DefaultClient, Endpoints: m.Endpoints(0), Provider: geminicli.OAuth()}
	verifier := "v-0123456789-0123456789-0123456789-0123456789"
	redirect := "http://127.0.0.1:1/cb"
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(env.AuthURL("st", verifier, redirect))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	code := loc[strings.Index(loc, "code=")+5 : strings.Index(loc, "&")]
	tr, err := env.Exchange(context.Background(), code, "st", verifier, redirect)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Token.AccessToken
}

// TestDiscoverWaitsForOnboarding: an account not yet onboarded is onboarded to the default tier, polling the
// long-running operation until it is done; the project is the one Code Assist names.
func TestDiscoverWaitsForOnboarding(t *testing.T) {
	m := mockvendor.New()
	defer m.Close()
	m.OnboardPending = 2
	env := oauth.Env{HTTP: http.DefaultClient, Endpoints: m.Endpoints(0), Provider: geminicli.OAuth()}
	at := token(t, m)
	short := geminicli.Product{Metadata: map[string]string{"pluginType": "GEMINI"}, OnboardTries: 2, OnboardWait: time.Millisecond}
	if _, err := short.Discover(context.Background(), env, at); err == nil || !strings.Contains(err.Error(), "still being set up") {
		t.Fatalf("two tries for a three-call onboarding: %v", err)
	}
	short.OnboardTries = 5
	p, err := short.Discover(context.Background(), env, at)
	if err != nil || p.ID != mockvendor.Project(mockvendor.Gemini) || p.TierID != "free-tier" {
		t.Fatalf("discover: %+v %v", p, err)
	}
	// Onboarded now: loadCodeAssist names the project at once.
	p, err = short.Discover(context.Background(), env, at)
	if err != nil || p.ID != mockvendor.Project(mockvendor.Gemini) || p.TierName == "" {
		t.Fatalf("discover after onboarding: %+v %v", p, err)
	}
}

func TestEnvelope(t *testing.T) {
	x := geminicli.Spec().Executor.(geminicli.Executor)
	cred := provider.Credential{AccessToken: "at", Meta: map[string]string{geminicli.ProjectKey: "p-1"}}
	body := []byte(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"temperature":0.5}}`)
	cases := []struct {
		name            string
		call            provider.Call
		path, query     string
		want, wantError string
	}{
		{"stream", provider.Call{Stream: true}, "/v1internal:streamGenerateContent", "alt=sse",
			`{"model":"gemini-2.5-pro","project":"p-1","request":` + string(body) + `}`, ""},
		{"whole", provider.Call{}, "/v1internal:generateContent", "",
			`{"model":"gemini-2.5-pro","project":"p-1","request":` + string(body) + `}`, ""},
		{"count", provider.Call{Count: true}, "/v1internal:countTokens", "",
			`{"request":{"model":"models/gemini-2.5-pro","contents":[{"role":"user","parts":[{"text":"hi"}]}]}}`, ""},
		{"no project", provider.Call{Credential: provider.Credential{AccessToken: "at"}}, "", "", "", "no Code Assist project"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.call.BaseURL, c.call.Model, c.call.Body, c.call.Format = "https://cloudcode-pa.googleapis.com", "gemini-2.5-pro", body, wire.Gemini
			if c.call.Credential.AccessToken == "" {
				c.call.Credential = cred
			}
			req, err := x.NewRequest(context.Background(), c.call)
			if c.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantError) {
					t.Fatalf("want %q, got %v", c.wantError, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(req.Body)
			if req.URL.Path != c.path || req.URL.RawQuery != c.query || string(got) != c.want {
				t.Fatalf("%s?%s %s", req.URL.Path, req.URL.RawQuery, got)
			}
			if req.Header.Get("Authorization") != "Bearer at" || !strings.HasPrefix(req.Header.Get("User-Agent"), "NineRouter/") {
				t.Fatalf("headers %v", req.Header)
			}
		})
	}
}

func TestAdaptResponse(t *testing.T) {
	x := geminicli.Executor{}
	stream := "data: {\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"he\"}]}}]},\"traceId\":\"t\"}\r\n\r\n" +
		"data: {\"response\":{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"llo\"}]},\"finishReason\":\"STOP\"}]}}\r\n\r\n"
	resp := &http.Response{Body: io.NopCloser(strings.NewReader(stream)), Header: http.Header{}}
	x.AdaptResponse(provider.Call{Stream: true}, resp)
	got, _ := io.ReadAll(resp.Body)
	want := "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"he\"}]}}]}\n\n" +
		"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"llo\"}]},\"finishReason\":\"STOP\"}]}\n\n"
	if string(got) != want {
		t.Fatalf("stream:\n%q\nwant\n%q", got, want)
	}
	resp = &http.Response{Body: io.NopCloser(strings.NewReader(`{"response":{"candidates":[]},"traceId":"t"}`)), Header: http.Header{}}
	x.AdaptResponse(provider.Call{}, resp)
	if got, _ := io.ReadAll(resp.Body); string(got) != `{"candidates":[]}` {
		t.Fatalf("whole: %s", got)
	}
}

func TestParseImport(t *testing.T) {
	g, err := geminicli.ParseImport([]byte(`{"access_token":"ya29.x","refresh_token":"1//r","scope":"s","token_type":"Bearer","expiry_date":1769159945362.7791}`))
	if err != nil || g.Token.RefreshToken != "1//r" || g.Token.Expiry.UnixMilli() != 1769159945362 {
		t.Fatalf("%+v %v", g, err)
	}
	if _, err := geminicli.ParseImport([]byte(`{"access_token":"ya29.x"}`)); err == nil {
		t.Fatal("a file without a refresh token was accepted")
	}
}

func FuzzUnwrap(f *testing.F) {
	f.Add([]byte(`{"response":{"candidates":[]},"traceId":"t"}`))
	f.Add([]byte(`{"error":{"code":400}}`))
	f.Add([]byte(`{"response":"x"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := geminicli.Unwrap(raw)
		if r := gjson.GetBytes(bytes.TrimSpace(raw), "response"); r.IsObject() && string(out) != r.Raw {
			t.Fatalf("Unwrap(%q) = %q", raw, out)
		}
	})
}

func FuzzParseImport(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","refresh_token":"r","expiry_date":1}`))
	f.Add([]byte(`{"refresh_token":""}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, err := geminicli.ParseImport(raw)
		if err == nil && g.Token.RefreshToken == "" {
			t.Fatal("accepted a login without a refresh token")
		}
	})
}
