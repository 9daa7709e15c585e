package cli

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/store/storetest"
)

// TestTeamImport: a desktop's accounts, with their keys in the OS keychain (under scripts/with-session.sh) or in
// the headless secret file, and its combos move into a team server's PostgreSQL; the keys land sealed under
// the team's key, are never printed, and a second run adds nothing.
func TestTeamImport(t *testing.T) {
	t.Setenv(service.EnvBackupWork, "10") // the running instance's one-time backup: no need for slow scrypt here
	cases := []struct {
		name, store string
		running     bool // the desktop runs: its configuration comes through its API
	}{
		{"secret file", "file", false},
		{"secret file, instance running", "file", true},
	}
	if os.Getenv("NINEROUTER_TEST_KEYRING") == "1" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		cases = append(cases, struct {
			name, store string
			running     bool
		}{"keychain", "keychain", false})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dsn := storetest.FreshPostgres(t)
			const upstreamKey, teamKey = "sk-desktop-upstream-key-0123456789", "team key of the import test"
			desktop := map[string]string{"NINEROUTER_SECRET_STORE": tc.store, "NINEROUTER_DATA_DIR": t.TempDir(),
				"NINEROUTER_ADDR": "127.0.0.1:1"} // nothing listens there: the CLI works on the data dir
			if tc.running {
				l := startLive(t)
				desktop["NINEROUTER_DATA_DIR"], desktop["NINEROUTER_ADDR"] = l.dir, l.addr
			}
			cli := func(env map[string]string, args ...string) string {
				t.Helper()
				code, out, errOut := run(t, env, args...)
				if code != 0 {
					t.Fatalf("ninerouter %s: exit %d: %s%s", strings.Join(args, " "), code, out, errOut)
				}
				if strings.Contains(out+errOut, upstreamKey) {
					t.Fatalf("ninerouter %s printed the account's key", strings.Join(args, " "))
				}
				return out
			}
			cli(desktop, "provider", "add", "glm", "--api-key", upstreamKey, "--name", "work")
			cli(desktop, "combo", "set", "daily", "glm/glm-4.6")

			team := map[string]string{"NINEROUTER_SECRET_KEY": teamKey}
			for k, v := range desktop {
				team[k] = v
			}
			importOnce := func() importer.Preview {
				var p importer.Preview
				out := cli(team, "team", "import", "--database", dsn, "--json")
				if err := json.Unmarshal([]byte(out), &p); err != nil {
					t.Fatalf("team import --json: %v: %s", err, out)
				}
				return p
			}
			if p := importOnce(); !p.Applied || p.Counts[importer.ActionAdd] != 2 {
				t.Fatalf("first import: %+v, want the account and the combo added", p)
			}
			if p := importOnce(); p.Counts[importer.ActionAdd] != 0 || p.Counts[importer.ActionMerge] != 0 {
				t.Fatalf("second import: %+v, want nothing added or merged", p)
			}

			// On the team server: one account, its key sealed under the team's key, never in clear.
			ctx := context.Background()
			db, err := store.OpenPostgres(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			accts, err := db.Accounts(ctx)
			if err != nil || len(accts) != 1 || accts[0].Name != "work" {
				t.Fatalf("team server accounts %+v, %v", accts, err)
			}
			sqlDB, err := db.DB.DB()
			if err != nil {
				t.Fatal(err)
			}
			sealed, err := secret.OpenDatabase(ctx, sqlDB, db.Where, teamKey, "test")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := sealed.Get(store.AccountSecretKey(accts[0].ID)); err != nil || got != upstreamKey {
				t.Fatalf("sealed key of account %d: %v (matches: %v)", accts[0].ID, err, got == upstreamKey)
			}
			var clear int64
			if err := db.Raw("SELECT COUNT(*) FROM sealed_secrets WHERE position(? in encode(sealed, 'escape')) > 0", upstreamKey).
				Scan(&clear).Error; err != nil || clear != 0 {
				t.Fatalf("the key is in clear in the team database (%d rows, %v)", clear, err)
			}
		})
	}
}
