package secret

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/zalando/go-keyring"
)

// Backend is the raw keychain: go-keyring's API, so tests can use keyring.MockInit or a real Secret Service.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

type osKeyring struct{}

func (osKeyring) Get(s, u string) (v string, err error) {
	defer sessionGone(&err)
	return keyring.Get(s, u)
}

func (osKeyring) Set(s, u, p string) (err error) {
	defer sessionGone(&err)
	return keyring.Set(s, u, p)
}

func (osKeyring) Delete(s, u string) (err error) {
	defer sessionGone(&err)
	return keyring.Delete(s, u)
}

// ErrSessionGone: the D-Bus session closed while the Secret Service was asking for the keyring's password.
var ErrSessionGone = errors.New("keychain: the desktop session's bus closed while the keychain asked for its password")

// sessionGone turns go-keyring's crash on a closed session bus into an error. Its wait for the unlock prompt
// (v0.2.8 secret_service.handlePrompt) reads a signal channel that godbus closes with the connection and
// dereferences the nil it gets: a nil-pointer panic in the calling goroutine, which would end the process
// (issue #9 finding 10). Any other panic goes on.
func sessionGone(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if re, ok := r.(runtime.Error); ok && strings.Contains(re.Error(), "nil pointer dereference") {
		*err = ErrSessionGone
		return
	}
	panic(r)
}

// ChunkSize keeps every stored value under Windows' 2560-byte credential blob and macOS's ~3 KB command-line
// budget (docs/desktop.md § Keychain limits), with room for go-keyring's base64 prefix on macOS.
const ChunkSize = 1800

// chunkHeader marks a value split across "<key>#0..N-1". It records the count and a digest so that a partly
// written or stale set of chunks reads as absent rather than as a corrupted secret.
const chunkHeader = "ninerouter-chunked:v1:"

// Keychain is the OS keychain store with transparent chunking.
type Keychain struct{ b Backend }

// NewKeychain wraps a backend.
func NewKeychain(b Backend) *Keychain { return &Keychain{b: b} }

func (k *Keychain) Kind() string     { return "keychain" }
func (k *Keychain) Describe() string { return "OS keychain (service \"" + Service + "\")" }

// Probe writes, reads and deletes a throwaway entry to prove the keychain is usable now.
func (k *Keychain) Probe() error {
	const probe = "ninerouter-probe"
	if err := k.b.Set(Service, probe, "ok"); err != nil {
		return err
	}
	v, err := k.b.Get(Service, probe)
	_ = k.b.Delete(Service, probe)
	if err != nil {
		return err
	}
	if v != "ok" {
		return errors.New("keychain probe read back a different value")
	}
	return nil
}

// Get returns the secret, reassembling chunks.
func (k *Keychain) Get(key string) (string, error) {
	head, err := k.b.Get(Service, key)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("keychain get %s: %w", key, err)
	}
	n, digest, chunked := parseHeader(head)
	if !chunked {
		return head, nil
	}
	var sb strings.Builder
	for i := range n {
		part, err := k.b.Get(Service, chunkKey(key, i))
		if errors.Is(err, keyring.ErrNotFound) {
			return "", ErrNotFound
		}
		if err != nil {
			return "", fmt.Errorf("keychain get %s chunk %d: %w", key, i, err)
		}
		sb.WriteString(part)
	}
	v := sb.String()
	if sum(v) != digest {
		return "", ErrNotFound
	}
	return v, nil
}

// Set stores the secret; values over ChunkSize are split. Chunks are written before the header so a crash
// mid-way leaves either the old value (header still points at old chunks with a digest that no longer matches,
// which reads as absent) or the new one, never a mix that reads as valid.
func (k *Keychain) Set(key, value string) error {
	oldN := k.chunkCount(key)
	if len(value) <= ChunkSize && !strings.HasPrefix(value, chunkHeader) {
		if err := k.b.Set(Service, key, value); err != nil {
			return fmt.Errorf("keychain set %s: %w", key, err)
		}
		k.sweep(key, 0, oldN)
		return nil
	}
	var parts []string
	for s := value; len(s) > 0; {
		n := min(ChunkSize, len(s))
		parts = append(parts, s[:n])
		s = s[n:]
	}
	for i, p := range parts {
		if err := k.b.Set(Service, chunkKey(key, i), p); err != nil {
			return fmt.Errorf("keychain set %s chunk %d: %w", key, i, err)
		}
	}
	if err := k.b.Set(Service, key, chunkHeader+strconv.Itoa(len(parts))+":"+sum(value)); err != nil {
		return fmt.Errorf("keychain set %s: %w", key, err)
	}
	k.sweep(key, len(parts), oldN)
	return nil
}

// Delete removes the secret and its chunks. Deleting an absent key is not an error.
func (k *Keychain) Delete(key string) error {
	n := k.chunkCount(key)
	err := k.b.Delete(Service, key)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("keychain delete %s: %w", key, err)
	}
	k.sweep(key, 0, n)
	return nil
}

func (k *Keychain) chunkCount(key string) int {
	head, err := k.b.Get(Service, key)
	if err != nil {
		return 0
	}
	n, _, _ := parseHeader(head)
	return n
}

// sweep deletes chunks [from, to) left over from a longer previous value.
func (k *Keychain) sweep(key string, from, to int) {
	for i := from; i < to; i++ {
		_ = k.b.Delete(Service, chunkKey(key, i))
	}
}

func parseHeader(v string) (n int, digest string, ok bool) {
	rest, found := strings.CutPrefix(v, chunkHeader)
	if !found {
		return 0, "", false
	}
	count, digest, found := strings.Cut(rest, ":")
	n, err := strconv.Atoi(count)
	if !found || err != nil || n < 1 || n > 10000 {
		return 0, "", false
	}
	return n, digest, true
}

func chunkKey(key string, i int) string { return key + "#" + strconv.Itoa(i) }

func sum(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:8])
}

func (osKeyring) DeleteAll(s string) (err error) {
	defer sessionGone(&err)
	return keyring.DeleteAll(s)
}
