package team_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider/claude"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/store/storetest"
	"github.com/ninerouter/ninerouter/backend/team"
	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

// refreshInstance is one instance's sign-in side: its own pool on the shared database, the sealed vault over it
// and a manager using the cluster lock.
func refreshInstance(t *testing.T, dsn string, mock *mockvendor.Mock) (*oauth.Manager, oauth.Vault) {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sqlDB, _ := db.DB.DB()
	sealed, err := secret.OpenDatabase(ctx, sqlDB, db.Where, "team passphrase", "NINEROUTER_SECRET_KEY")
	if err != nil {
		t.Fatal(err)
	}
	vault := oauth.Vault{S: sealed, NotFound: secret.ErrNotFound}
	mgr := oauth.NewManager(oauth.Options{Providers: []*oauth.Provider{claude.OAuth()}, Endpoints: mock.Endpoints(0),
		Vault: vault, ClusterLock: team.RefreshLock(db)})
	return mgr, vault
}

// TestPostgresRefreshOnceAcrossInstances: two instances holding the same access token, whose requests are all
// refused with it at once, make one token call between them (the vendor rotates the refresh token, so a second
// call with the old one would be refused and sign the account out), and every request of both then uses the
// token that is stored.
func TestPostgresRefreshOnceAcrossInstances(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshPostgres(t)
	mock := mockvendor.New()
	defer mock.Close()
	mgrA, vault := refreshInstance(t, dsn, mock)
	mgrB, _ := refreshInstance(t, dsn, mock)

	var identity oauth.Identity
	flows := oauth.NewFlows(mgrA, func(_ context.Context, _ *oauth.Provider, g oauth.Grant, _ int64) (int64, error) {
		identity = g.Identity
		return 1, vault.Save(1, g.Token)
	})
	defer flows.Close()
	v, err := flows.Start(ctx, oauth.StartRequest{Provider: "claude"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(v.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	eventually(t, "sign-in", func() bool { fv, _ := flows.Get(v.ID); return fv.State.Terminal() })
	if fv, _ := flows.Get(v.ID); fv.State != oauth.FlowDone {
		t.Fatalf("sign-in ended %s: %s", fv.State, fv.Message)
	}
	// Both instances load the signed-in token; no token call yet.
	var srcs []*oauth.Source
	var refused string
	for _, mgr := range []*oauth.Manager{mgrA, mgrB} {
		src, err := mgr.Source(oauth.Account{ID: 1, Provider: "claude", Identity: identity})
		if err != nil {
			t.Fatal(err)
		}
		c, err := src.Credential(ctx)
		if err != nil {
			t.Fatal(err)
		}
		refused = c.AccessToken
		srcs = append(srcs, src)
	}
	if n := mock.TokenCalls(mockvendor.Claude, "refresh_token"); n != 0 {
		t.Fatalf("%d token calls before any refusal", n)
	}

	var wg sync.WaitGroup
	tokens := make(chan string, 40)
	for _, src := range srcs {
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := src.RefreshRefused(ctx, refused)
				if err != nil {
					t.Errorf("credential: %v", err)
					return
				}
				tokens <- c.AccessToken
			}()
		}
	}
	wg.Wait()
	close(tokens)
	if n := mock.TokenCalls(mockvendor.Claude, "refresh_token"); n != 1 {
		t.Fatalf("%d token calls across two instances, want 1", n)
	}
	stored, err := vault.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	for tok := range tokens {
		if tok != stored.AccessToken {
			t.Fatal("a request used a token that is not the stored one")
		}
	}
}
