package backup

import (
	"errors"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/importtest"
)

const canary = "sk-canary-7f3a9c2e5b1d4086"

// lowWork keeps the tests fast; the format does not depend on it.
const lowWork = 10

func sample() *importer.Bundle {
	return &importer.Bundle{Source: importer.SourceBackup, Accounts: []importer.Account{{Provider: "openai", Name: "main", APIKey: canary, Enabled: true}},
		ClientKeys: []importer.ClientKey{{Name: "laptop", Hash: importer.Fingerprint("nr-x")}}}
}

func TestSealOpen(t *testing.T) {
	data, err := Seal(sample(), Header{Machine: "m1", App: "test"}, "correct horse battery", lowWork)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), canary) || strings.Contains(string(data), "openai") {
		t.Fatal("the sealed file shows its content in clear")
	}
	b, h, err := Open(data, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != Version || h.Machine != "m1" || b.Accounts[0].APIKey != canary {
		t.Fatalf("header %+v bundle %+v", h, b)
	}

	cases := []struct {
		name string
		data []byte
		pass string
		want error
	}{
		{"wrong passphrase", data, "wrong horse battery", ErrWrongPassphrase},
		{"truncated", data[:len(data)-20], "correct horse battery", ErrDamaged},
		{"truncated header", data[:40], "correct horse battery", ErrDamaged},
		{"flipped byte", flip(data), "correct horse battery", ErrDamaged},
		{"not age", []byte(`{"accounts":[]}`), "correct horse battery", ErrNotBackup},
		{"empty", nil, "correct horse battery", ErrNotBackup},
	}
	for _, c := range cases {
		if _, _, err := Open(c.data, c.pass); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Seal(sample(), Header{}, "short", lowWork); err == nil {
		t.Error("a short passphrase was accepted")
	}
}

func flip(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)-5] ^= 0xff
	return c
}

// TestNewerVersionRefused: a file written by a newer format is refused with what to do.
func TestNewerVersionRefused(t *testing.T) {
	data, err := sealVersion(sample(), Version+1, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	_, h, err := Open(data, "correct horse battery")
	if !errors.Is(err, ErrNewer) || h.Version != Version+1 || !strings.Contains(err.Error(), "update NineRouter") {
		t.Fatalf("newer file: %v (header %+v)", err, h)
	}
}

func FuzzOpen(f *testing.F) {
	data, _ := Seal(sample(), Header{}, "correct horse battery", lowWork)
	f.Add(data)
	f.Add([]byte("age-encryption.org/v1\n-> scrypt AAAA 10\nxx\n--- yy\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		b, _, err := Open(in, "correct horse battery")
		if err == nil && b == nil {
			t.Fatal("no bundle and no error")
		}
		if err == nil {
			if err := importtest.CheckBundle(b); err != nil {
				t.Fatal(err)
			}
		}
	})
}
