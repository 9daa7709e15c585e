// Command signfeed makes NineRouter's signed update feed (docs/update-feed.md).
//
//	signfeed keygen -out release.key          new ed25519 key pair; prints the public key for update.ReleaseKeys
//	signfeed sign -key release.key manifest.json > feed.json
//	signfeed verify [-pub BASE64] feed.json   checks a feed against the built-in keys (or -pub)
//
// The private key file holds the base64 ed25519 seed (32 bytes) and is written 0600; keep it off the repo.
package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ninerouter/ninerouter/backend/update"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "signfeed: "+err.Error())
		os.Exit(1)
	}
}

const usage = "usage: signfeed keygen -out FILE | sign -key FILE MANIFEST | verify [-pub BASE64] FEED"

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("signfeed "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch args[0] {
	case "keygen":
		out := fs.String("out", "", "file for the private key (base64 seed, mode 0600)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("keygen needs -out FILE")
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("keygen: %w (an existing key is never overwritten)", err)
		}
		if _, err := f.WriteString(base64.StdEncoding.EncodeToString(priv.Seed()) + "\n"); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, base64.StdEncoding.EncodeToString(pub))
		return nil
	case "sign":
		keyFile := fs.String("key", "", "private key file from keygen")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *keyFile == "" || fs.NArg() != 1 {
			return errors.New("sign needs -key FILE and one MANIFEST")
		}
		priv, err := readKey(*keyFile)
		if err != nil {
			return err
		}
		manifest, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		feed, err := update.Sign(manifest, priv)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", feed)
		return err
	case "verify":
		pub := fs.String("pub", "", "public key (base64) instead of the built-in release keys")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("verify needs one FEED")
		}
		keys := update.ReleaseKeys
		if *pub != "" {
			keys = []string{*pub}
		}
		parsed, err := update.ParsePublicKeys(keys)
		if err != nil {
			return err
		}
		feed, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		m, err := update.Open(feed, parsed)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "ok: NineRouter %s, %d platform(s)\n", m.Version, len(m.Platforms))
		return nil
	}
	return errors.New(usage)
}

func readKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s is not a signfeed key (base64 of a 32-byte ed25519 seed)", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
