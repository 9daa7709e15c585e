// Package update checks a signed release feed and says whether a newer NineRouter exists. It never downloads or
// runs anything: the answer is a version, a link the user may open, and the SHA-256 the download must have.
//
// The feed (docs/update-feed.md) is one JSON envelope {"manifest": base64, "signature": base64}: the signature is
// ed25519 over SigningContext followed by the manifest bytes exactly as served, checked against the public
// keys built into the binary (ReleaseKeys) before the manifest is even parsed.
package update

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/mod/semver"
)

// SigningContext is prepended to the manifest before signing, so a NineRouter feed signature can never be
// replayed as a signature over anything else made with the same key.
const SigningContext = "ninerouter-update-manifest-v1\n"

// MaxFeedBytes bounds what a check reads from the feed.
const MaxFeedBytes = 256 << 10

// ReleaseKeys are the ed25519 public keys (base64, 32 bytes) whose signatures the feed may carry. More than one
// lets a new release key be introduced before the old one is retired.
var ReleaseKeys = []string{
	"byYTeepANecOCJXWLoPu4JlfNFrp5Tp4KZcIwsIfIwg=", // key id nr-feed-2026-12; private seed held by the release owner
}

// Envelope is the feed document as served.
type Envelope struct {
	Manifest  string `json:"manifest"`  // base64 (standard) of the manifest JSON
	Signature string `json:"signature"` // base64 (standard) of ed25519(SigningContext + manifest)
}

// Manifest describes the newest release.
type Manifest struct {
	Version   string              `json:"version"`             // semver, "v" optional: "1.4.0"
	Released  string              `json:"released,omitempty"`  // RFC 3339, informational
	NotesURL  string              `json:"notesUrl,omitempty"`  // release notes page
	Platforms map[string]Artifact `json:"platforms"`           // "linux-amd64", "windows-amd64", "darwin-universal"…
	Minimum   string              `json:"minimumOS,omitempty"` // informational
}

// Artifact is one platform's download.
type Artifact struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
}

// Errors a feed can be refused with; each wraps into a message that says what was wrong.
var (
	ErrBadSignature = errors.New("the update feed's signature does not verify with NineRouter's release key (forged, corrupted or signed with another key)")
	ErrBadFeed      = errors.New("the update feed is not a NineRouter feed")
	ErrBadManifest  = errors.New("the update manifest is invalid")
)

// ParsePublicKeys decodes base64 ed25519 public keys.
func ParsePublicKeys(b64 []string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, s := range b64 {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("release key %q is not a base64 ed25519 public key", s)
		}
		keys = append(keys, ed25519.PublicKey(raw))
	}
	return keys, nil
}

// Sign makes the envelope for manifest bytes (internal/cmd/signfeed).
func Sign(manifest []byte, key ed25519.PrivateKey) ([]byte, error) {
	if _, err := ParseManifest(manifest); err != nil {
		return nil, err
	}
	sig := ed25519.Sign(key, append([]byte(SigningContext), manifest...))
	return json.MarshalIndent(Envelope{
		Manifest:  base64.StdEncoding.EncodeToString(manifest),
		Signature: base64.StdEncoding.EncodeToString(sig),
	}, "", "  ")
}

// Open verifies an envelope against keys and returns its manifest. The signature is checked before the
// manifest is parsed, so nothing unsigned is ever interpreted.
func Open(feed []byte, keys []ed25519.PublicKey) (Manifest, error) {
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(feed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return Manifest{}, fmt.Errorf("%w: %v", ErrBadFeed, err)
	}
	if env.Manifest == "" || env.Signature == "" {
		return Manifest{}, fmt.Errorf("%w: it needs both \"manifest\" and \"signature\"", ErrBadFeed)
	}
	manifest, err := base64.StdEncoding.DecodeString(env.Manifest)
	if err != nil {
		return Manifest{}, fmt.Errorf("%w: \"manifest\" is not base64: %v", ErrBadFeed, err)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Manifest{}, fmt.Errorf("%w: \"signature\" is not a base64 ed25519 signature", ErrBadFeed)
	}
	msg := append([]byte(SigningContext), manifest...)
	verified := false
	for _, k := range keys {
		if ed25519.Verify(k, msg, sig) {
			verified = true
			break
		}
	}
	if !verified {
		return Manifest{}, ErrBadSignature
	}
	return ParseManifest(manifest)
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseManifest decodes and validates a manifest: a semver version, at least one platform, https download
// links and hex SHA-256 digests.
func ParseManifest(b []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%w: not valid JSON: %v", ErrBadManifest, err)
	}
	if dec.More() {
		return Manifest{}, fmt.Errorf("%w: trailing data after the JSON object", ErrBadManifest)
	}
	if !semver.IsValid(canonical(m.Version)) {
		return Manifest{}, fmt.Errorf("%w: version %q is not a semantic version such as 1.4.0", ErrBadManifest, m.Version)
	}
	if len(m.Platforms) == 0 {
		return Manifest{}, fmt.Errorf("%w: it lists no platform downloads", ErrBadManifest)
	}
	for name, a := range m.Platforms {
		if err := checkLink(a.URL); err != nil {
			return Manifest{}, fmt.Errorf("%w: platform %s: %v", ErrBadManifest, name, err)
		}
		if !sha256Hex.MatchString(a.SHA256) {
			return Manifest{}, fmt.Errorf("%w: platform %s: sha256 must be 64 lowercase hex digits", ErrBadManifest, name)
		}
	}
	if m.NotesURL != "" {
		if err := checkLink(m.NotesURL); err != nil {
			return Manifest{}, fmt.Errorf("%w: notesUrl: %v", ErrBadManifest, err)
		}
	}
	return m, nil
}

// checkLink accepts the https links the window may open in the browser.
func checkLink(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("link %q is not an https URL", s)
	}
	return nil
}

// canonical adds semver's leading "v".
func canonical(v string) string {
	v = strings.TrimSpace(v)
	if v != "" && v[0] != 'v' {
		v = "v" + v
	}
	return v
}

// Newer reports whether latest is a newer release than current. A current version that is not semver (a
// development build, "dev") is never told to update.
func Newer(latest, current string) bool {
	l, c := canonical(latest), canonical(current)
	if !semver.IsValid(l) || !semver.IsValid(c) {
		return false
	}
	return semver.Compare(l, c) > 0
}

// PlatformKeys are the manifest platform names that fit goos/goarch, best first.
func PlatformKeys(goos, goarch string) []string {
	keys := []string{goos + "-" + goarch}
	if goos == "darwin" {
		keys = append(keys, "darwin-universal")
	}
	return keys
}
