package secret

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"
)

// limitedBackend is an in-memory keychain that enforces a per-value limit like Windows' 2560-byte blob.
type limitedBackend struct {
	mu    sync.Mutex
	limit int
	m     map[string]string
}

func newLimited(limit int) *limitedBackend {
	return &limitedBackend{limit: limit, m: map[string]string{}}
}

func (b *limitedBackend) Get(s, u string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[s+"/"+u]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (b *limitedBackend) Set(s, u, p string) error {
	if len(p) > b.limit {
		return keyring.ErrSetDataTooBig
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[s+"/"+u] = p
	return nil
}

func (b *limitedBackend) Delete(s, u string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[s+"/"+u]; !ok {
		return keyring.ErrNotFound
	}
	delete(b.m, s+"/"+u)
	return nil
}

func (b *limitedBackend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// storeContract runs the behaviour every Store must have.
func storeContract(t *testing.T, s Store) {
	t.Helper()
	sizes := []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 2560, 3 * ChunkSize, 20000}
	for _, n := range sizes {
		key := fmt.Sprintf("test/contract/%d", n)
		val := strings.Repeat("x", n/2) + strings.Repeat("é", (n-n/2)/2)
		if err := s.Set(key, val); err != nil {
			t.Fatalf("Set(%d bytes): %v", len(val), err)
		}
		got, err := s.Get(key)
		if err != nil || got != val {
			t.Fatalf("Get(%d bytes) = %d bytes, %v", len(val), len(got), err)
		}
	}
	// Shrinking a chunked value leaves no stale chunks that could be read back.
	if err := s.Set("test/contract/20000", "short"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("test/contract/20000"); got != "short" {
		t.Fatalf("after shrink got %q", got)
	}
	for _, n := range sizes {
		if err := s.Delete(fmt.Sprintf("test/contract/%d", n)); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if _, err := s.Get("test/contract/1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete("test/contract/absent"); err != nil {
		t.Fatalf("Delete(absent) = %v, want nil", err)
	}
}

func TestKeychainChunksUnderPlatformLimits(t *testing.T) {
	for _, limit := range []int{2560, 3000} { // Windows blob limit; macOS command-line budget
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			b := newLimited(limit)
			kc := NewKeychain(b)
			storeContract(t, kc)
			if n := b.count(); n != 0 {
				t.Fatalf("%d entries left behind after deletes", n)
			}
		})
	}
}

func TestKeychainMissingChunkReadsAsAbsent(t *testing.T) {
	b := newLimited(2560)
	kc := NewKeychain(b)
	val := strings.Repeat("token-", 1000)
	if err := kc.Set("oauth/1", val); err != nil {
		t.Fatal(err)
	}
	_ = b.Delete(Service, "oauth/1#1")
	if _, err := kc.Get("oauth/1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get with a chunk missing = %v, want ErrNotFound", err)
	}
	// A chunk from another value (stale) fails the digest and also reads as absent.
	if err := kc.Set("oauth/1", val); err != nil {
		t.Fatal(err)
	}
	_ = b.Set(Service, "oauth/1#0", strings.Repeat("y", ChunkSize))
	if _, err := kc.Get("oauth/1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get with a stale chunk = %v, want ErrNotFound", err)
	}
}

func TestFileStorePlainAndEncrypted(t *testing.T) {
	for _, pass := range []string{"", "correct horse battery staple"} {
		t.Run(fmt.Sprintf("encrypted=%v", pass != ""), func(t *testing.T) {
			dir := t.TempDir()
			fs, err := OpenFile(dir, pass)
			if err != nil {
				t.Fatal(err)
			}
			storeContract(t, fs)
			if err := fs.Set("account/1/api_key", "sk-canary-0123456789abcdef"); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(filepath.Join(dir, FileName))
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Fatalf("secret file mode %v, want 0600", perm)
			}
			raw, _ := os.ReadFile(filepath.Join(dir, FileName))
			if enc := pass != ""; enc == strings.Contains(string(raw), "sk-canary") {
				t.Fatalf("encrypted=%v but canary visible=%v", enc, !enc)
			}
			// Reopen: values survive; a wrong or missing key is refused.
			again, err := OpenFile(dir, pass)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := again.Get("account/1/api_key"); v != "sk-canary-0123456789abcdef" {
				t.Fatalf("reopened value %q", v)
			}
			if pass != "" {
				if _, err := OpenFile(dir, "wrong"); err == nil {
					t.Fatal("wrong key accepted")
				}
				if _, err := OpenFile(dir, ""); err == nil {
					t.Fatal("missing key accepted")
				}
			}
		})
	}
}

func TestFileStoreRefusesUnparsableFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(dir, ""); err == nil {
		t.Fatal("unparsable secret file accepted")
	}
	if raw, _ := os.ReadFile(path); string(raw) != "{not json" {
		t.Fatal("unparsable secret file was changed")
	}
}

func TestOpenModes(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Options{Mode: "file", DataDir: dir}, nil)
	if err != nil || s.Kind() != "file" {
		t.Fatalf("file mode: %v %v", s, err)
	}
	s, err = Open(Options{Mode: "auto", DataDir: dir, Backend: newLimited(2560)}, nil)
	if err != nil || s.Kind() != "keychain" {
		t.Fatalf("auto with a working keychain: kind %v, err %v", s, err)
	}
	broken := &failingBackend{err: errors.New("collection is locked")}
	s, err = Open(Options{Mode: "auto", DataDir: dir, Backend: broken}, nil)
	if err != nil || s.Kind() != "file" {
		t.Fatalf("auto with a refusing keychain should fall back to file: %v %v", s, err)
	}
	if _, err := Open(Options{Mode: "keychain", DataDir: dir, Backend: broken}, nil); err == nil ||
		!strings.Contains(err.Error(), "locked") {
		t.Fatalf("keychain mode with a locked keychain: %v, want a clear error", err)
	}
	if _, err := Open(Options{Mode: "bogus", DataDir: dir}, nil); err == nil {
		t.Fatal("bogus mode accepted")
	}
}

type failingBackend struct{ err error }

func (f *failingBackend) Get(string, string) (string, error) { return "", f.err }
func (f *failingBackend) Set(string, string, string) error   { return f.err }
func (f *failingBackend) Delete(string, string) error        { return f.err }

// TestRealSecretService runs against the OS keychain: a D-Bus session with an unlocked gnome-keyring in CI
// (make test sets NINEROUTER_TEST_KEYRING=1 inside dbus-run-session).
func TestRealSecretService(t *testing.T) {
	if os.Getenv("NINEROUTER_TEST_KEYRING") != "1" {
		t.Skip("set NINEROUTER_TEST_KEYRING=1 inside a D-Bus session with an unlocked keyring")
	}
	s, err := Open(Options{Mode: "keychain", DataDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatalf("real keychain: %v", err)
	}
	if s.Kind() != "keychain" {
		t.Fatalf("kind %q", s.Kind())
	}
	storeContract(t, s)
}

// TestStaleTempFilesRemovedAtOpen is issue #9 finding 5: a write killed between the temp file and the rename
// left .secrets.json.tmp-* holding every key; opening the store removes it.
func TestStaleTempFilesRemovedAtOpen(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "."+FileName+".tmp-123456")
	if err := os.WriteFile(stale, []byte(`{"version":1,"values":{"account/1/api_key":"sk-left-in-clear-000000"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "unrelated.tmp-1")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(dir, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temp file still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("an unrelated file was removed: %v", err)
	}
}

// TestSessionGoneRecoversOnlyNilDereference: go-keyring's nil-pointer panic on a closed session bus becomes
// ErrSessionGone (scripts/smoke-desktop.sh kills the bus with the unlock prompt up); any other panic goes on.
func TestSessionGoneRecoversOnlyNilDereference(t *testing.T) {
	cases := []struct {
		name      string
		body      func()
		wantErr   error
		wantPanic bool
	}{
		{"no panic", func() {}, nil, false},
		{"nil signal dereferenced", func() {
			var sig *struct{ Name string }
			_ = sig.Name
		}, ErrSessionGone, false},
		{"another runtime error", func() {
			var s []int
			i := len(s)
			_ = s[i]
		}, nil, true},
		{"a library's own panic", func() { panic("boom") }, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				func() {
					defer sessionGone(&err)
					c.body()
				}()
				return false
			}()
			if panicked != c.wantPanic || !errors.Is(err, c.wantErr) {
				t.Fatalf("panicked %v err %v, want panicked %v err %v", panicked, err, c.wantPanic, c.wantErr)
			}
		})
	}
}
