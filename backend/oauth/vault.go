package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Token is an account's secret material. It lives only in the secret store (OS keychain), never in SQLite,
// logs or API answers; the database keeps only its expiry.
type Token struct {
	AccessToken  string            `json:"access_token"`
	RefreshToken string            `json:"refresh_token,omitempty"`
	IDToken      string            `json:"id_token,omitempty"`
	Expiry       time.Time         `json:"expiry,omitzero"`
	Issued       time.Time         `json:"issued,omitzero"` // when NineRouter received it, to bound the lead time
	Extra        map[string]string `json:"extra,omitempty"` // secret extras (Kiro's registered client secret)
	// Seq grows with every stored refresh; when both vault slots hold a token, the higher one is the newer.
	Seq int64 `json:"seq"`
}

// secrets are the token's secret values, for the value redactor.
func (t Token) secrets() []string {
	out := []string{t.AccessToken, t.RefreshToken, t.IDToken}
	for _, v := range t.Extra {
		out = append(out, v)
	}
	return out
}

// Vault keeps tokens in the secret store with a two-slot write, so that a kill -9 at any point leaves a usable
// refresh token: a new token is first written to the "next" slot, then over the primary slot, and only then is
// the next slot removed. A crash during either write leaves the other slot whole (the chunked keychain store
// reads a half-written value as absent, see backend/secret), and Load picks the newer whole slot.
type Vault struct {
	S SecretStore
	// NotFound is the store's "no such key" error (secret.ErrNotFound); oauth does not import the secret
	// package, so that provider definitions, which import oauth, stay free of state.
	NotFound error
}

// SecretStore is the part of backend/secret.Store the vault uses.
type SecretStore interface {
	Get(key string) (string, error)
	Set(key, value string) error
	Delete(key string) error
	Kind() string
}

func (v Vault) missing(err error) bool { return v.NotFound != nil && errors.Is(err, v.NotFound) }

// TokenKey is the primary slot of an account's token.
func TokenKey(account int64) string {
	return "account/" + strconv.FormatInt(account, 10) + "/oauth"
}

func nextKey(account int64) string { return TokenKey(account) + ".next" }

// TokenSlots are both keys an account's token may occupy (the primary slot, then the next one), for a caller
// that journals or removes them whole.
func TokenSlots(account int64) []string { return []string{TokenKey(account), nextKey(account)} }

// ErrNoToken means the account has no stored token (never signed in, or removed).
var ErrNoToken = errors.New("no stored sign-in token")

func (v Vault) read(key string) (Token, bool, error) {
	raw, err := v.S.Get(key)
	if v.missing(err) {
		return Token{}, false, nil
	}
	if err != nil {
		return Token{}, false, fmt.Errorf("read token from the %s store: %w", v.S.Kind(), err)
	}
	var t Token
	if json.Unmarshal([]byte(raw), &t) != nil || (t.AccessToken == "" && t.RefreshToken == "") {
		return Token{}, false, nil // a damaged slot counts as absent; the other slot decides
	}
	return t, true, nil
}

// Load returns the newest whole token, repairing the primary slot when a crash left the newer one in "next".
func (v Vault) Load(account int64) (Token, error) {
	prim, okP, errP := v.read(TokenKey(account))
	next, okN, errN := v.read(nextKey(account))
	switch {
	case okN && (!okP || next.Seq >= prim.Seq):
		if err := v.S.Set(TokenKey(account), mustJSON(next)); err == nil {
			_ = v.S.Delete(nextKey(account))
		}
		return next, nil
	case okP:
		return prim, nil
	}
	if err := errors.Join(errP, errN); err != nil {
		return Token{}, err
	}
	return Token{}, ErrNoToken
}

// Save stores t as the account's token, newer than any stored one. When it returns nil the token is durable;
// until then the previous token (and its refresh token) stays readable.
func (v Vault) Save(account int64, t Token) error {
	if cur, err := v.Load(account); err == nil && t.Seq <= cur.Seq {
		t.Seq = cur.Seq + 1
	}
	raw := mustJSON(t)
	if err := v.S.Set(nextKey(account), raw); err != nil {
		return fmt.Errorf("store the new token in the %s store: %w", v.S.Kind(), err)
	}
	if err := v.S.Set(TokenKey(account), raw); err != nil {
		return fmt.Errorf("store the new token in the %s store: %w", v.S.Kind(), err)
	}
	if err := v.S.Delete(nextKey(account)); err != nil && !v.missing(err) {
		return fmt.Errorf("tidy the token slots in the %s store: %w", v.S.Kind(), err)
	}
	return nil
}

// Delete removes both slots.
func (v Vault) Delete(account int64) error {
	var errs []error
	for _, k := range []string{nextKey(account), TokenKey(account)} {
		if err := v.S.Delete(k); err != nil && !v.missing(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // Token always marshals
	}
	return string(b)
}
