// Package antigravity is the Antigravity subscription provider (prefix ag): Google sign-in with Antigravity's
// installed-app client, the same Code Assist project discovery as Gemini CLI (backend/provider/geminicli), and
// requests in Antigravity's envelope {model, project, requestType:"agent", requestId, request} at the daily
// Code Assist host, with its request limits (output capped at 16384 tokens, one tool group, function names in
// the allowed alphabet and mapped back in the answer) (docs/subscriptions.md). Google says the client is meant
// for the Antigravity IDE only and users report bans: the provider is marked deprecated with that risk. No
// Antigravity identity is sent (no userAgent field, system prompt, User-Agent or machine session id).
package antigravity

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/geminicli"
)

// ID is the provider id; "ag" is its model prefix (9Router's).
const ID = "antigravity"

// API is Antigravity's Code Assist host.
const API = "https://daily-cloudcode-pa.googleapis.com"

// MaxOutput is the largest output Antigravity accepts.
const MaxOutput = 16384

var product = geminicli.Product{
	Metadata:     map[string]string{"ideType": "IDE_UNSPECIFIED", "platform": "PLATFORM_UNSPECIFIED", "pluginType": "GEMINI"},
	OnboardTries: 10, OnboardWait: 5 * time.Second,
	Envelope: envelope,
	Answer:   answer,
}

// Spec is the routing side.
func Spec() *provider.Spec {
	return &provider.Spec{
		ID: ID, Name: "Antigravity", Aliases: []string{"ag"}, Auth: provider.AuthOAuth,
		DefaultBaseURL: API,
		Models: []string{"gemini-3.1-pro-high", "gemini-3.1-pro-low", "gemini-3-flash", "claude-sonnet-4-6",
			"claude-opus-4-6-thinking", "gpt-oss-120b-medium"},
		Notice: "Deprecated, ban risk: Google says Antigravity's sign-in is designed exclusively for the Antigravity IDE, " +
			"and users of other routers report suspended accounts. Use an account you can afford to lose.",
		Executor: geminicli.Executor{Product: product},
	}
}

// OAuth is the sign-in side.
func OAuth() *oauth.Provider {
	ep := geminicli.GoogleEndpoints(API)
	ep["redirect"] = "http://localhost:0/oauth-callback"
	// No code page: with --paste the browser ends on this unreachable address, which the user copies.
	ep["manual_redirect"] = "http://localhost:51121/oauth-callback"
	ep["quota"] = "https://cloudcode-pa.googleapis.com/v1internal:fetchAvailableModels"
	return &oauth.Provider{
		ID: ID, Name: "Antigravity", Plans: "Google account (Antigravity allowance)",
		Status: "deprecated: 9Router marks it deprecated; users report bans",
		Risk: "Google says this sign-in is designed exclusively for the Antigravity IDE and may result in account " +
			"restrictions or bans; users of 9Router and CLIProxyAPI report suspended accounts.",
		// Antigravity's installed-app client; Google documents that an installed app's secret is not secret.
		ClientID:     "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
		ClientSecret: "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",
		Scopes: append(append([]string(nil), geminicli.GoogleScopes...),
			"https://www.googleapis.com/auth/cclog", "https://www.googleapis.com/auth/experimentsandconfigs"),
		Flows:      []oauth.Flow{oauth.FlowBrowser},
		Lead:       5 * time.Minute,
		Endpoints:  ep,
		AuthParams: map[string]string{"access_type": "offline", "prompt": "consent"},
		Identify:   product.Identify,
	}
}

// envelope adds Antigravity's request type and id and applies its request limits.
func envelope(env []byte, c provider.Call) ([]byte, error) {
	var err error
	set := func(path string, v any) {
		if err == nil {
			env, err = sjson.SetBytes(env, path, v)
		}
	}
	set("requestType", "agent")
	set("requestId", "agent-"+randomID())
	if n := gjson.GetBytes(env, "request.generationConfig.maxOutputTokens"); !n.Exists() || n.Int() > MaxOutput {
		set("request.generationConfig.maxOutputTokens", MaxOutput)
	}
	tools := gjson.GetBytes(env, "request.tools").Array()
	if len(tools) > 1 {
		env, err = sjson.SetRawBytes(env, "request.tools", []byte("["+tools[0].Raw+"]"))
	}
	names, _ := nameMaps(c.Body)
	for i, fn := range gjson.GetBytes(env, "request.tools.0.functionDeclarations").Array() {
		if safe, ok := names[fn.Get("name").String()]; ok {
			set(fmt.Sprintf("request.tools.0.functionDeclarations.%d.name", i), safe)
		}
	}
	// Earlier turns name the functions too: their calls and responses must use the same names.
	for i, content := range gjson.GetBytes(env, "request.contents").Array() {
		for j, part := range content.Get("parts").Array() {
			for _, kind := range []string{"functionCall", "functionResponse"} {
				if safe, ok := names[part.Get(kind+".name").String()]; ok {
					set(fmt.Sprintf("request.contents.%d.parts.%d.%s.name", i, j, kind), safe)
				}
			}
		}
	}
	return env, err
}

// answer maps shortened function names back to the client's in each answer.
func answer(c provider.Call) func([]byte) []byte {
	_, back := nameMaps(c.Body)
	if len(back) == 0 {
		return func(b []byte) []byte { return b }
	}
	return func(b []byte) []byte {
		for i, cand := range gjson.GetBytes(b, "candidates").Array() {
			for j, part := range cand.Get("content.parts").Array() {
				if orig, ok := back[part.Get("functionCall.name").String()]; ok {
					if nb, err := sjson.SetBytes(b, fmt.Sprintf("candidates.%d.content.parts.%d.functionCall.name", i, j), orig); err == nil {
						b = nb
					}
				}
			}
		}
		return b
	}
}

// validName is the function-name alphabet Antigravity accepts.
var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$`)

// nameMaps lists the request's function names that must change (original → safe) and the way back; names that
// are already valid are absent. Two names that shorten alike get distinct suffixes.
func nameMaps(gemini []byte) (map[string]string, map[string]string) {
	to, back := map[string]string{}, map[string]string{}
	used := map[string]bool{}
	decls := gjson.GetBytes(gemini, "tools.0.functionDeclarations").Array()
	for _, fn := range decls {
		used[fn.Get("name").String()] = validName.MatchString(fn.Get("name").String())
	}
	for _, fn := range decls {
		name := fn.Get("name").String()
		if validName.MatchString(name) {
			continue
		}
		safe := SafeName(name)
		for n := 2; used[safe]; n++ {
			suffix := fmt.Sprintf("_%d", n)
			safe = SafeName(name)[:min(len(SafeName(name)), 64-len(suffix))] + suffix
		}
		used[safe], to[name], back[safe] = true, safe, name
	}
	return to, back
}

// SafeName rewrites name into Antigravity's alphabet: other characters become '_', a leading digit or symbol
// gets a '_' before it, and the result is at most 64 characters.
func SafeName(name string) string {
	var b strings.Builder
	for i, r := range name {
		ok := r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') ||
			(i > 0 && (r >= '0' && r <= '9' || r == '.' || r == ':' || r == '-'))
		if i == 0 && !ok && (r >= '0' && r <= '9' || r == '.' || r == ':' || r == '-') {
			b.WriteByte('_')
			ok = true
		}
		if ok {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" {
		s = "_"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
