//go:build unix

package service

import (
	"context"
	"os"
	"testing"

	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/testkit/sweep"
)

// TestProxyCredentialsMoveSurvivesAKill: a start killed by SIGKILL between the two writes of the migration
// (the secret written, the row not yet rewritten) leaves the row as it was; the next start finds the secret and
// only rewrites the row.
func TestProxyCredentialsMoveSurvivesAKill(t *testing.T) {
	const withAuth = "http://corp:kill-proxy-pass-0123@127.0.0.1:3128"
	if os.Getenv("NR_JOURNAL_CHILD") == "proxy-move" {
		kill := &killingSecrets{key: proxyAuthKey(1), afterSet: true}
		svc, _ := journalService(t, os.Getenv("NR_JOURNAL_DIR"), func(s secret.Store) secret.Store { kill.Store = s; return kill })
		svc.Close()
		t.Fatal("the start was meant to be killed while moving the proxy credentials")
	}
	ctx := context.Background()
	dir := t.TempDir()
	svc, _ := journalService(t, dir, nil)
	_, a, err := svc.AddNode(ctx, NodeInput{Prefix: "px", Format: "openai", BaseURL: "http://upstream.test/v1", APIKey: "sk-kill-0123456789", Models: []string{"m"}})
	if err != nil || a.ID != 1 {
		t.Fatalf("account %+v: %v", a, err)
	}
	if err := svc.db.Exec("UPDATE accounts SET proxy_url = ? WHERE id = ?", withAuth, a.ID).Error; err != nil {
		t.Fatal(err)
	}
	svc.Close()

	crashChild(t, "TestProxyCredentialsMoveSurvivesAKill", "proxy-move", dir)
	if v, err := mustFile(t, dir).Get(proxyAuthKey(1)); err != nil || v != withAuth {
		t.Fatalf("the killed start did not write the secret first: %q %v", v, err)
	}
	if len(sweep.Holding(t, dir, "kill-proxy-pass-0123", secret.FileName)) == 0 {
		t.Fatal("the killed start rewrote the row: the kill did not fall between the two writes")
	}

	svc, file := journalService(t, dir, nil)
	defer svc.Close()
	if row, _ := svc.db.Account(ctx, 1); row.ProxyURL != "http://127.0.0.1:3128" {
		t.Fatalf("the row after the next start: %q", row.ProxyURL)
	}
	if v, err := file.Get(proxyAuthKey(1)); err != nil || v != withAuth {
		t.Fatalf("the secret after the next start: %q %v", v, err)
	}
	if got := svc.routing.router.Snapshot().ByID[1].ProxyURL; got != withAuth {
		t.Fatalf("the router's account uses %q", got)
	}
}
