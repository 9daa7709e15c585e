package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"

	"golang.org/x/crypto/scrypt"
)

// FileName is the fallback store inside the data dir.
const FileName = "secrets.json"

// fileDoc is the on-disk shape. Plain files hold Values; encrypted files hold Salt, Nonce and Sealed (the JSON
// of Values sealed with AES-256-GCM under a key derived from NINEROUTER_SECRET_KEY by scrypt).
type fileDoc struct {
	Version int               `json:"version"`
	Values  map[string]string `json:"values,omitempty"`
	Salt    []byte            `json:"salt,omitempty"`
	Nonce   []byte            `json:"nonce,omitempty"`
	Sealed  []byte            `json:"sealed,omitempty"`
}

// File is the fallback store: one 0600 JSON file, rewritten atomically on every change.
type File struct {
	mu     sync.Mutex
	path   string
	pass   string
	salt   []byte
	key    []byte
	values map[string]string
}

// OpenFile opens or creates dataDir/secrets.json. An encrypted file without the key, or with a wrong one, is an
// error; an unencrypted file is encrypted on the next write once a key is given.
func OpenFile(dataDir, passphrase string) (*File, error) {
	f := &File{path: filepath.Join(dataDir, FileName), pass: passphrase, values: map[string]string{}}
	removeStaleTemps(f.path)
	raw, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret file %s: %w", f.path, err)
	}
	var doc fileDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("secret file %s does not parse (left untouched): %w", f.path, err)
	}
	if doc.Sealed != nil {
		if passphrase == "" {
			return nil, fmt.Errorf("secret file %s is encrypted: set NINEROUTER_SECRET_KEY", f.path)
		}
		key, err := deriveKey(passphrase, doc.Salt)
		if err != nil {
			return nil, err
		}
		plain, err := openSealed(key, doc.Nonce, doc.Sealed)
		if err != nil {
			return nil, fmt.Errorf("secret file %s: wrong NINEROUTER_SECRET_KEY or damaged file", f.path)
		}
		if err := json.Unmarshal(plain, &f.values); err != nil {
			return nil, fmt.Errorf("secret file %s: %w", f.path, err)
		}
		f.salt, f.key = doc.Salt, key
		return f, nil
	}
	if doc.Values != nil {
		f.values = doc.Values
	}
	return f, nil
}

func (f *File) Kind() string {
	if f.pass != "" {
		return "file-encrypted"
	}
	return "file"
}

func (f *File) Describe() string {
	if f.pass != "" {
		return "encrypted file " + f.path + " (no OS keychain)"
	}
	return "file " + f.path + " (no OS keychain; set NINEROUTER_SECRET_KEY to encrypt it)"
}

func (f *File) Get(key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.values[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (f *File) Set(key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, had := f.values[key]
	f.values[key] = value
	if err := f.save(); err != nil {
		if had {
			f.values[key] = old
		} else {
			delete(f.values, key)
		}
		return err
	}
	return nil
}

func (f *File) Delete(key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	old, had := f.values[key]
	if !had {
		return nil
	}
	delete(f.values, key)
	if err := f.save(); err != nil {
		f.values[key] = old
		return err
	}
	return nil
}

// Keys lists stored keys (for export checks and tests; never values).
func (f *File) Keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.values))
	for k := range f.values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (f *File) save() error {
	doc := fileDoc{Version: 1}
	if f.pass == "" {
		doc.Values = f.values
	} else {
		if f.key == nil {
			f.salt = make([]byte, 16)
			if _, err := rand.Read(f.salt); err != nil {
				return err
			}
			key, err := deriveKey(f.pass, f.salt)
			if err != nil {
				return err
			}
			f.key = key
		}
		plain, err := json.Marshal(f.values)
		if err != nil {
			return err
		}
		nonce, sealed, err := seal(f.key, plain)
		if err != nil {
			return err
		}
		doc.Salt, doc.Nonce, doc.Sealed = f.salt, nonce, sealed
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(f.path, raw, 0o600)
}

func deriveKey(pass string, salt []byte) ([]byte, error) {
	if len(salt) < 16 {
		return nil, errors.New("secret file: missing salt")
	}
	key, err := scrypt.Key([]byte(pass), salt, 1<<15, 8, 1, 32)
	// scrypt's 32 MiB work buffer is garbage now, but a GC cycle that ran while it was live leaves the heap goal
	// at ~64 MiB: every later request then allocates cold memory (RSS 33→87 MB, added p50 1.16×→1.8× the bare
	// proxy in docs/benchmark.md). Collect and return it now, once per derivation.
	debug.FreeOSMemory()
	return key, err
}

func seal(key, plain []byte) (nonce, sealed []byte, err error) { return sealFor(key, plain, "") }

// sealFor seals plain bound to name (GCM's additional data; "" for the file store's one blob).
func sealFor(key, plain []byte, name string) (nonce, sealed []byte, err error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	nonce = make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	return nonce, gcm.Seal(nil, nonce, plain, []byte(name)), nil
}

func openSealed(key, nonce, sealed []byte) ([]byte, error) {
	return openSealedFor(key, nonce, sealed, "")
}

func openSealedFor(key, nonce, sealed []byte, name string) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(nonce) != gcm.NonceSize() {
		return nil, errors.New("bad nonce")
	}
	return gcm.Open(nil, nonce, sealed, []byte(name))
}

// removeStaleTemps deletes temp files a killed write left beside path (issue #9 finding 5: a plain store's temp
// holds every key in clear). The store is opened once per process before any write, so no temp is in use yet.
// The temp holds exactly the bytes of the next file, so with NINEROUTER_SECRET_KEY it is sealed like the file.
func removeStaleTemps(path string) {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, p := range stale {
		_ = os.Remove(p)
	}
}

// writeFileAtomic writes via a temp file in the same directory, fsyncs it, renames it over the target and
// fsyncs the directory, so a crash leaves the old or the new file, never a torn one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
