package oauth

import (
	"strings"
	"testing"
)

// FuzzParsePasted: whatever is pasted, the parser answers a non-empty code or a clear error and never panics; a
// bare code never has whitespace in it.
func FuzzParsePasted(f *testing.F) {
	for _, s := range []string{"abc#def", "http://localhost:1455/auth/callback?code=x&state=y", "?code=1", "code=",
		"https://console.anthropic.com/oauth/code/callback?code=a%20b&state=s#frag", "", " \n", "a b#c", "http://[::1]:0/?error=access_denied"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		code, _, err := parsePasted(in)
		if err == nil && (code == "" || !strings.Contains(in, "code=") && strings.ContainsAny(code, " \t\n")) {
			t.Fatalf("parsePasted(%q) = %q without an error", in, code)
		}
	})
}

// FuzzJWTClaims: arbitrary tokens never panic the claim reader.
func FuzzJWTClaims(f *testing.F) {
	f.Add("a.eyJlbWFpbCI6InhAeS56In0.c")
	f.Add("..")
	f.Add("not-a-jwt")
	f.Fuzz(func(t *testing.T, tok string) {
		_, _ = JWTClaims(tok)
		_ = JWTExpiry(tok)
	})
}
