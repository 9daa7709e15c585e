package oauth

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
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

// FuzzJWTClaims: arbitrary tokens never panic the claim reader, a token carrying an exp claim reads back that
// second or no expiry at all (never a time before 1970 for a positive exp), and any claims object round-trips.
func FuzzJWTClaims(f *testing.F) {
	f.Add("a.eyJlbWFpbCI6InhAeS56In0.c", 1.7e9, "x@y.z")
	f.Add("..", 1e300, "")
	f.Add("not-a-jwt", -1.0, "\u00e9")
	f.Fuzz(func(t *testing.T, tok string, exp float64, email string) {
		_, _ = JWTClaims(tok)
		_ = JWTExpiry(tok)
		if !utf8.ValidString(email) {
			email = "" // json.Marshal would write U+FFFD for it
		}
		payload, err := json.Marshal(map[string]any{"exp": exp, "email": email})
		if err != nil {
			return // NaN or Inf: not JSON
		}
		tok = "h." + base64.RawURLEncoding.EncodeToString(payload) + ".s"
		m, err := JWTClaims(tok)
		if err != nil || Str(m, "email") != email {
			t.Fatalf("claims of %s: %v %v", payload, m, err)
		}
		if e := JWTExpiry(tok); !e.IsZero() && (e.Unix() < 0 || float64(e.Unix()) > exp || exp >= float64(e.Unix())+1) {
			t.Fatalf("exp %v read as %v", exp, e)
		}
	})
}
