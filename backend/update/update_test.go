package update

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/semver"
)

const goodManifest = `{"version":"1.4.0","notesUrl":"https://ninerouter.example/releases/1.4.0",
 "platforms":{"linux-amd64":{"url":"https://ninerouter.example/dl/ninerouter_1.4.0_amd64.deb","sha256":"` +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `"},
 "darwin-universal":{"url":"https://ninerouter.example/dl/NineRouter-1.4.0.dmg","sha256":"` +
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210" + `"}}}`

func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func sign(t testing.TB, manifest string, priv ed25519.PrivateKey) []byte {
	t.Helper()
	b, err := Sign([]byte(manifest), priv)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve answers every request with body and counts requests.
func serve(t *testing.T, body []byte) (string, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if !strings.HasPrefix(r.UserAgent(), "NineRouter/") {
			http.Error(w, "no honest user agent", http.StatusBadRequest)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/feed.json", &hits
}

func checker(t *testing.T, feed, current, goos string, keys ...ed25519.PublicKey) *Checker {
	t.Helper()
	c, err := NewChecker(Options{FeedURL: func() string { return feed }, Current: current, Keys: keys, GOOS: goos, GOARCH: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheck(t *testing.T) {
	pub, priv := newKey(t)
	foreignPub, foreignPriv := newKey(t)
	good := sign(t, goodManifest, priv)

	// A valid envelope with one byte of the signed manifest changed.
	var env Envelope
	_ = json.Unmarshal(good, &env)
	raw, _ := base64.StdEncoding.DecodeString(env.Manifest)
	raw[len(raw)-3] = ' '
	tampered, _ := json.Marshal(Envelope{Manifest: base64.StdEncoding.EncodeToString(raw), Signature: env.Signature})

	// A manifest that is signed correctly but not valid: refused after the signature, with a clear message.
	corruptSigned := func(m string) []byte {
		sig := ed25519.Sign(priv, append([]byte(SigningContext), m...))
		b, _ := json.Marshal(Envelope{Manifest: base64.StdEncoding.EncodeToString([]byte(m)), Signature: base64.StdEncoding.EncodeToString(sig)})
		return b
	}

	for _, tc := range []struct {
		name, current, goos string
		feed                []byte
		keys                []ed25519.PublicKey
		available           bool
		latest, url, errHas string
	}{
		{name: "good signature, newer", current: "1.3.2", goos: "linux", feed: good, keys: []ed25519.PublicKey{pub},
			available: true, latest: "1.4.0", url: "https://ninerouter.example/dl/ninerouter_1.4.0_amd64.deb"},
		{name: "second release key", current: "v1.3.2", goos: "darwin", feed: good, keys: []ed25519.PublicKey{foreignPub, pub},
			available: true, latest: "1.4.0", url: "https://ninerouter.example/dl/NineRouter-1.4.0.dmg"},
		{name: "same version", current: "1.4.0", goos: "linux", feed: good, keys: []ed25519.PublicKey{pub}, latest: "1.4.0"},
		{name: "older version ignored", current: "2.0.0", goos: "linux", feed: good, keys: []ed25519.PublicKey{pub}, latest: "1.4.0"},
		{name: "development build", current: "dev", goos: "linux", feed: good, keys: []ed25519.PublicKey{pub}, latest: "1.4.0"},
		{name: "no download for this platform", current: "1.0.0", goos: "windows", feed: good, keys: []ed25519.PublicKey{pub},
			latest: "1.4.0", errHas: "no download for windows-amd64"},
		{name: "foreign signature", current: "1.0.0", goos: "linux", feed: sign(t, goodManifest, foreignPriv), keys: []ed25519.PublicKey{pub},
			errHas: "does not verify with NineRouter's release key"},
		{name: "tampered manifest", current: "1.0.0", goos: "linux", feed: tampered, keys: []ed25519.PublicKey{pub},
			errHas: "does not verify"},
		{name: "not JSON", current: "1.0.0", goos: "linux", feed: []byte("<html>captive portal</html>"), keys: []ed25519.PublicKey{pub},
			errHas: "is not a NineRouter feed"},
		{name: "unsigned manifest served bare", current: "1.0.0", goos: "linux", feed: []byte(goodManifest), keys: []ed25519.PublicKey{pub},
			errHas: "is not a NineRouter feed"},
		{name: "signed but corrupt manifest", current: "1.0.0", goos: "linux", feed: corruptSigned(`{"version":`), keys: []ed25519.PublicKey{pub},
			errHas: "the update manifest is invalid: not valid JSON"},
		{name: "signed, bad version", current: "1.0.0", goos: "linux", feed: corruptSigned(`{"version":"latest","platforms":{}}`),
			keys: []ed25519.PublicKey{pub}, errHas: `version "latest" is not a semantic version`},
		{name: "signed, http download", current: "1.0.0", goos: "linux",
			feed: corruptSigned(strings.ReplaceAll(goodManifest, "https://ninerouter.example/dl/ninerouter", "http://ninerouter.example/dl/ninerouter")),
			keys: []ed25519.PublicKey{pub}, errHas: "is not an https URL"},
		{name: "signed, bad digest", current: "1.0.0", goos: "linux", feed: corruptSigned(strings.ReplaceAll(goodManifest, "0123456789abcdef0123", "zz")),
			keys: []ed25519.PublicKey{pub}, errHas: "sha256 must be 64 lowercase hex digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			feed, hits := serve(t, tc.feed)
			var changes atomic.Int64
			c, err := NewChecker(Options{FeedURL: func() string { return feed }, Current: tc.current, Keys: tc.keys,
				GOOS: tc.goos, GOARCH: "amd64", Changed: func(Status) { changes.Add(1) }})
			if err != nil {
				t.Fatal(err)
			}
			st := c.Check(context.Background())
			if hits.Load() != 1 {
				t.Fatalf("feed fetched %d times", hits.Load())
			}
			if st.Available != tc.available || st.Latest != tc.latest || st.URL != tc.url || !st.Enabled || st.Checking {
				t.Fatalf("status = %+v", st)
			}
			if tc.errHas == "" && st.Error != "" || !strings.Contains(st.Error, tc.errHas) {
				t.Fatalf("error = %q, want %q", st.Error, tc.errHas)
			}
			if st.LastCheck.IsZero() || changes.Load() < 2 {
				t.Fatalf("last check %v, %d change events", st.LastCheck, changes.Load())
			}
		})
	}
}

// With no feed URL nothing is fetched and the status says checks are off.
func TestCheckOff(t *testing.T) {
	c := checker(t, "", "1.0.0", "linux")
	if st := c.Check(context.Background()); st.Enabled || st.Error != "" || !st.LastCheck.IsZero() {
		t.Fatalf("status = %+v", st)
	}
}

func TestFeedURLRules(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://releases.ninerouter.example/feed.json": true,
		"http://127.0.0.1:8080/feed.json":               true,
		"http://localhost/feed.json":                    true,
		"http://releases.ninerouter.example/feed.json":  false,
		"file:///etc/passwd":                            false,
		"feed.json":                                     false,
	} {
		if err := CheckFeedURL(u); (err == nil) != ok {
			t.Errorf("%s: %v", u, err)
		}
	}
	c := checker(t, "http://example.com/feed", "1.0.0", "linux")
	if st := c.Check(context.Background()); !strings.Contains(st.Error, "must be an https:// URL") {
		t.Fatalf("status = %+v", st)
	}
}

// The background loop honours a check made before a restart: with a fresh LastCheck it waits, and an on-demand
// Check is served through the loop.
func TestRunAtMostDaily(t *testing.T) {
	pub, priv := newKey(t)
	feed, hits := serve(t, sign(t, goodManifest, priv))
	var saved atomic.Pointer[Status]
	c, err := NewChecker(Options{FeedURL: func() string { return feed }, Current: "1.0.0", Keys: []ed25519.PublicKey{pub},
		GOOS: "linux", GOARCH: "amd64",
		Load: func() (Status, bool) { return Status{LastCheck: time.Now().Add(-time.Hour), Latest: "0.9.0"}, true },
		Save: func(s Status) { saved.Store(&s) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	for !func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.running }() {
		time.Sleep(time.Millisecond)
	}
	if hits.Load() != 0 {
		t.Fatal("checked again within a day of the last check")
	}
	st := c.Check(context.Background())
	if !st.Available || hits.Load() != 1 || saved.Load() == nil || !saved.Load().Available {
		t.Fatalf("on-demand check: %+v, hits %d", st, hits.Load())
	}
	cancel()
	<-done
}

func TestReleaseKeysParse(t *testing.T) {
	if _, err := ParsePublicKeys(ReleaseKeys); err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePublicKeys([]string{"bm90IGEga2V5"}); err == nil {
		t.Fatal("a short key was accepted")
	}
	if !Newer("1.10.0", "1.9.9") || Newer("1.0.0-rc.1", "1.0.0") || Newer("x", "1.0.0") {
		t.Fatal("version order")
	}
	_, priv := newKey(t)
	if _, err := Sign([]byte(`{"version":"1"}`), priv); !errors.Is(err, ErrBadManifest) {
		t.Fatalf("Sign of an invalid manifest: %v", err)
	}
}

// FuzzSignedManifest: past a valid signature (the only way a manifest is ever parsed), any manifest is either
// refused or has a semantic version, a platform, and only https links with hex digests; another key refuses it.
func FuzzSignedManifest(f *testing.F) {
	pub, priv := newKey(f)
	other, _ := newKey(f)
	f.Add([]byte(goodManifest))
	f.Add([]byte(`{"version":" 1.4.0 ","platforms":{"x":{"url":"https://h/a","sha256":"` + strings.Repeat("0", 64) + `"}}}`))
	f.Add([]byte(`{"version":"v1","platforms":{"x":{"url":"http://h/a","sha256":""}},"notesUrl":"javascript:x"}`))
	f.Fuzz(func(t *testing.T, manifest []byte) {
		if len(manifest) == 0 {
			return // an envelope without a manifest is not a feed
		}
		env, _ := json.Marshal(Envelope{Manifest: base64.StdEncoding.EncodeToString(manifest),
			Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, append([]byte(SigningContext), manifest...)))})
		if _, err := Open(env, []ed25519.PublicKey{other}); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("another key: %v", err)
		}
		m, err := Open(env, []ed25519.PublicKey{pub})
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("a signed manifest refused with %v, not ErrBadManifest", err)
			}
			return
		}
		if !semver.IsValid(canonical(m.Version)) || len(m.Platforms) == 0 {
			t.Fatalf("version %q, %d platforms", m.Version, len(m.Platforms))
		}
		for name, a := range m.Platforms {
			if u, err := url.Parse(a.URL); err != nil || u.Scheme != "https" || u.Host == "" || !sha256Hex.MatchString(a.SHA256) {
				t.Fatalf("platform %s: %+v", name, a)
			}
		}
		if u, err := url.Parse(m.NotesURL); m.NotesURL != "" && (err != nil || u.Scheme != "https") {
			t.Fatalf("notes link %q", m.NotesURL)
		}
	})
}

func FuzzOpen(f *testing.F) {
	pub, priv := newKey(f)
	f.Add(sign(f, goodManifest, priv))
	f.Add([]byte(`{"manifest":"e30=","signature":""}`))
	f.Add([]byte(goodManifest))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Open(b, []ed25519.PublicKey{pub})
		if err == nil && m.Version == "" {
			t.Fatal("accepted a manifest without a version")
		}
	})
}
