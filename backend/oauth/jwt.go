package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// JWTClaims reads a JWT's payload without verifying it: the token came straight from the vendor's token
// endpoint over TLS, and NineRouter only reads display facts (email, plan, expiry) from it.
func JWTClaims(tok string) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, errors.New("JWT payload is not base64url")
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errors.New("JWT payload is not JSON")
	}
	return m, nil
}

// JWTExpiry is a JWT's exp claim (zero when absent or unreadable). An exp past year 9999 is unreadable: converting
// 1e300 to int64 gave a time before 1970, an already expired token.
func JWTExpiry(tok string) time.Time {
	m, err := JWTClaims(tok)
	if err != nil {
		return time.Time{}
	}
	const year10000 = 253402300800
	if exp, ok := m["exp"].(float64); ok && exp > 0 && exp < year10000 {
		return time.Unix(int64(exp), 0)
	}
	return time.Time{}
}

// Str reads a string field of a decoded JSON object, following nested objects: Str(m, "account", "email").
func Str(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		o, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = o[k]
	}
	s, _ := cur.(string)
	return s
}
