package cli

// `ninerouter team import`: a desktop (or single headless) NineRouter turning into a team server
// (docs/team-server.md). This machine's configuration and the accounts' secrets, read from the OS keychain or the
// secret file, move into the team server's PostgreSQL, where the secrets are sealed (backend/secret.Database).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/backup"
	"github.com/ninerouter/ninerouter/backend/service"
)

func teamCommands() []command {
	return []command{{"team", "team server: team import moves this machine's accounts, secrets and combos into the shared database", runTeam}}
}

func runTeam(ctx context.Context, e *Env, args []string) error {
	return sub(e, "team", args, map[string]func(context.Context, *Env, []string) error{
		"import": teamImport,
	}, "import --database postgres://… [--data-dir DIR] [--dry-run]")(ctx)
}

// teamImport reads this machine's whole configuration through its running instance or its data dir (the secrets
// from the keychain or the secret file; exportConfiguration) and imports it into the team server's database through an in-process instance on it: secrets land
// sealed, the running team instances hear of the change, and nothing secret is printed. Running it again adds
// nothing: the import skips what is already there, and an account already signed in on the team server keeps
// its own tokens (they may have been refreshed there since; a rotated refresh token must not be replaced by
// this machine's older one).
func teamImport(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "team import", "--database postgres://… [--data-dir DIR] [--dry-run]")
	dryRun := fs.Bool("dry-run", false, "only show what would be added, merged and skipped")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	if cfg.Database == "" {
		fs.Usage()
		return fmt.Errorf("%w: team import needs the team server's database (--database postgres://… or NINEROUTER_DATABASE)", errUsage)
	}

	// This machine: its running instance, or its data dir on SQLite.
	src := cfg
	src.Database = ""
	c, err := open(ctx, e, src)
	if err != nil {
		return fmt.Errorf("this machine's NineRouter (%s): %w", src.DataDir, err)
	}
	b, err := exportConfiguration(ctx, c)
	c.Close()
	if err != nil {
		return fmt.Errorf("read this machine's configuration: %w", err)
	}

	// The team server: an instance of its own on the shared database, with a throwaway data dir (this machine's
	// data dir stays the desktop's).
	dir, err := os.MkdirTemp("", "ninerouter-team-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dst := cfg
	dst.DataDir = dir
	svc, err := service.Open(ctx, dst, service.Options{Logger: newLogger(e.Stderr, false)})
	if err != nil {
		return fmt.Errorf("the team server's database: %w", err)
	}
	defer svc.Close()
	if err := keepTeamSignIns(ctx, svc, b); err != nil {
		return err
	}
	var p importer.Preview
	if *dryRun {
		p, err = svc.PreviewImport(ctx, b)
	} else {
		p, err = svc.ApplyImport(ctx, b)
	}
	if err != nil {
		return err
	}
	p.Origin = "this machine's NineRouter (" + src.DataDir + ")"
	if cf.json {
		return printJSON(e.Stdout, p)
	}
	printPreview(e.Stdout, p)
	return nil
}

// exportConfiguration is the whole configuration of the instance c reaches, secrets included. A running instance
// seals it as a backup with a one-time random passphrase that never leaves this process; the data dir opened
// here gives it directly.
func exportConfiguration(ctx context.Context, c *client) (*importer.Bundle, error) {
	if c.offline != nil {
		return c.offline.ExportBundle(ctx)
	}
	var raw [32]byte
	rand.Read(raw[:])
	pass := hex.EncodeToString(raw[:])
	var file api.BackupFile
	if err := c.do(ctx, http.MethodPost, "/api/backup/export", map[string]string{"passphrase": pass}, &file); err != nil {
		return nil, err
	}
	b, _, err := backup.Open(file.Data, pass)
	return b, err
}

// keepTeamSignIns drops from b the subscription accounts already signed in on the team server (same provider
// and vendor account), noting each: the team server's tokens win.
func keepTeamSignIns(ctx context.Context, svc *service.Service, b *importer.Bundle) error {
	views, err := svc.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("the team server's accounts: %w", err)
	}
	signedIn := map[string]bool{}
	for _, v := range views {
		if v.SignIn != nil && v.SignIn.Email != "" {
			signedIn[v.Provider+"\x00"+strings.ToLower(v.SignIn.Email)] = true
		}
	}
	kept := b.Accounts[:0]
	for _, a := range b.Accounts {
		if a.OAuth != nil && a.OAuth.Email != "" && signedIn[a.Provider+"\x00"+strings.ToLower(a.OAuth.Email)] {
			b.Skip("account", a.Provider+": "+a.Name, "already signed in on the team server (its tokens are kept)")
			continue
		}
		kept = append(kept, a)
	}
	b.Accounts = kept
	return nil
}
