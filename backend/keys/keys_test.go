package keys

import (
	"context"
	"strings"
	"testing"

	"github.com/ninerouter/ninerouter/backend/store"
)

func TestKeys(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	a, infoA, err := k.Create(ctx, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := k.Create(ctx, "ci")
	if a == b || !strings.HasPrefix(a, Prefix) || len(a) < 40 {
		t.Fatalf("keys %q %q", a, b)
	}
	var rows []store.ClientKey
	db.Find(&rows)
	for _, r := range rows {
		if strings.Contains(r.Hash, a[len(Prefix):]) || r.Hash == a || strings.Contains(r.Hint, a[10:]) {
			t.Fatalf("stored row reveals the key: %+v", r)
		}
	}
	if id, ok := k.Verify(a); !ok || id != infoA.ID {
		t.Fatalf("verify a: %d %v", id, ok)
	}
	for _, bad := range []string{"", "nr-", a + "x", strings.ToUpper(a)} {
		if _, ok := k.Verify(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := k.Revoke(ctx, infoA.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := k.Verify(a); ok {
		t.Error("revoked key still accepted")
	}
	if _, ok := k.Verify(b); !ok {
		t.Error("the other key stopped working")
	}
	if _, err := k.Revoke(ctx, 999); err != ErrNotFound {
		t.Errorf("revoke unknown: %v", err)
	}
	list, _ := k.List(ctx)
	if len(list) != 2 || list[0].RevokedAt == nil || list[1].RevokedAt != nil {
		t.Errorf("list %+v", list)
	}
}
