// Package backup seals a whole NineRouter configuration (an importer.Bundle, secrets included) into an encrypted,
// versioned file and opens it again: the `ninerouter export` / `import backup` file and the sync folder's
// snapshots. Encryption is filippo.io/age with a passphrase (its scrypt recipient): a reviewed format and
// library, readable with the age tool itself, the same bytes on every OS. Inside is JSON: a header (format,
// version, when, which machine) and the bundle. Nothing of it is ever written in clear.
package backup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"filippo.io/age"

	"github.com/ninerouter/ninerouter/backend/importer"
)

// Format names the payload; Version is the newest this build writes and reads.
const (
	Format  = "ninerouter-config"
	Version = 1
)

// MaxSize bounds a backup file (and what it decrypts to).
const MaxSize = 32 << 20

// maxWorkFactor bounds the scrypt work a file may ask of Open.
const maxWorkFactor = 20

// MinPassphrase is the shortest passphrase a new backup accepts.
const MinPassphrase = 8

var (
	// ErrWrongPassphrase: the passphrase does not open the file.
	ErrWrongPassphrase = errors.New("the passphrase does not open this file")
	// ErrDamaged: the file is truncated or damaged.
	ErrDamaged = errors.New("the file is damaged or truncated")
	// ErrNotBackup: the file is not a NineRouter backup at all.
	ErrNotBackup = errors.New("not a NineRouter backup")
	// ErrNewer: the file was written by a newer NineRouter.
	ErrNewer = errors.New("written by a newer NineRouter")
)

// Header says what a file holds.
type Header struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	Machine   string    `json:"machine,omitempty"` // the machine id of the writer (sync)
	App       string    `json:"app,omitempty"`     // NineRouter version
}

type envelope struct {
	Header
	Bundle *importer.Bundle `json:"bundle"`
}

// Seal encrypts b with passphrase. workFactor is scrypt's log2(N); 0 takes age's default (about a second of
// work, the right price for a backup file; the sync folder pays less per snapshot).
func Seal(b *importer.Bundle, h Header, passphrase string, workFactor int) ([]byte, error) {
	if len([]rune(passphrase)) < MinPassphrase {
		return nil, fmt.Errorf("the passphrase needs at least %d characters", MinPassphrase)
	}
	h.Format, h.Version = Format, Version
	if h.CreatedAt.IsZero() {
		h.CreatedAt = time.Now().UTC()
	}
	plain, err := json.Marshal(envelope{Header: h, Bundle: b})
	if err != nil {
		return nil, fmt.Errorf("encode the configuration: %w", err)
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	if workFactor > 0 {
		r.SetWorkFactor(workFactor)
	}
	var out bytes.Buffer
	w, err := age.Encrypt(&out, r)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	clear(plain)
	return out.Bytes(), nil
}

// Open decrypts a sealed file. Errors are ErrWrongPassphrase, ErrDamaged, ErrNotBackup or ErrNewer, wrapped
// with what was found.
func Open(data []byte, passphrase string) (*importer.Bundle, Header, error) {
	if len(data) > MaxSize {
		return nil, Header{}, fmt.Errorf("%w: larger than %d MiB", ErrNotBackup, MaxSize>>20)
	}
	if !bytes.HasPrefix(data, []byte("age-encryption.org/")) {
		return nil, Header{}, fmt.Errorf("%w (it is not an age-encrypted file)", ErrNotBackup)
	}
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, Header{}, fmt.Errorf("%w: %v", ErrWrongPassphrase, err)
	}
	// A file may ask for any amount of scrypt work; more than 2^20 (1 GiB of memory) is refused.
	id.SetMaxWorkFactor(maxWorkFactor)
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) || errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, Header{}, ErrWrongPassphrase
		}
		return nil, Header{}, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, Header{}, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	defer clear(plain)
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil {
		return nil, Header{}, fmt.Errorf("%w: its content is not a configuration (%v)", ErrNotBackup, err)
	}
	if env.Format != Format {
		return nil, env.Header, fmt.Errorf("%w: its format is %q", ErrNotBackup, env.Format)
	}
	if env.Version > Version {
		return nil, env.Header, fmt.Errorf("%w (format version %d, app %s); this build reads up to version %d: update NineRouter", ErrNewer, env.Version, env.App, Version)
	}
	if env.Bundle == nil {
		env.Bundle = &importer.Bundle{}
	}
	return env.Bundle, env.Header, nil
}
