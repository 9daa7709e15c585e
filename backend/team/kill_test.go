package team_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/store/storetest"
	"github.com/ninerouter/ninerouter/backend/team/teamtest"
	"github.com/ninerouter/ninerouter/backend/testkit/mockupstream"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// Env of the child instance TestPostgresKill9 starts and kills.
const (
	killChildDSN = "NINEROUTER_TEAM_KILL_CHILD_DSN"
	killChildKey = "NINEROUTER_TEAM_KILL_CHILD_KEY"
	killChildDir = "NINEROUTER_TEAM_KILL_CHILD_DIR"
)

// killChild is the instance that dies: it makes a combo, then answers requests forever, printing "answered N"
// after each one (the client has its answer then).
func killChild() {
	ctx := context.Background()
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: os.Getenv(killChildDir), SecretStore: "auto",
		Database: os.Getenv(killChildDSN), SecretKey: "team passphrase for tests"}
	if err := cfg.Finish(); err != nil {
		panic(err)
	}
	svc, err := service.Open(ctx, cfg, service.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	if _, err := svc.CreateCombo(ctx, route.Combo{Name: "made-by-the-dead", Strategy: "fallback",
		Entries: []route.ComboEntry{{Model: "glm/model-three"}}}); err != nil {
		panic(err)
	}
	fmt.Println("combo made")
	h := api.New(svc, nil).Handler()
	for i := 1; ; i++ {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:20128/v1/chat/completions",
			strings.NewReader(`{"model":"ninerouter/active","messages":[{"role":"user","content":"hi"}]}`))
		req.RemoteAddr = "127.0.0.1:5555"
		req.Header.Set("Authorization", "Bearer "+os.Getenv(killChildKey))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			panic(fmt.Sprint("status ", rec.Code))
		}
		fmt.Println("answered", i)
	}
}

// TestPostgresKill9: an instance killed with SIGKILL in the middle of serving loses nothing the other instance
// can see: the combo it made is there, and every request it answered has its usage row.
func TestPostgresKill9(t *testing.T) {
	if os.Getenv(killChildDSN) != "" {
		killChild()
		return
	}
	ctx := context.Background()
	dsn := storetest.FreshPostgres(t)
	mock := mockupstream.New(mockupstream.Options{})
	defer mock.Close()
	b := openInstance(t, dsn)
	teamtest.SetupRouter(t, b, mock.URL)
	key, _, err := b.Svc.CreateKey(ctx, "erin")
	if err != nil {
		t.Fatal(err)
	}
	before, _ := b.Svc.Usage(ctx, usage.Query{Since: time.Now().Add(-time.Hour)})

	cmd := exec.Command(os.Args[0], "-test.run=^TestPostgresKill9$")
	cmd.Env = append(os.Environ(), killChildDSN+"="+dsn, killChildKey+"="+key, killChildDir+"="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	answered := 0
	lines := bufio.NewScanner(out)
	for answered < 25 && lines.Scan() {
		fmt.Sscanf(lines.Text(), "answered %d", &answered)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for lines.Scan() { // answers printed before the signal landed count too
		fmt.Sscanf(lines.Text(), "answered %d", &answered)
	}
	cmd.Wait()
	if answered < 25 {
		t.Fatalf("the child answered only %d requests before it ended", answered)
	}
	eventually(t, "the dead instance's combo on the survivor", func() bool {
		list, _ := b.Svc.Combos(ctx)
		for _, c := range list {
			if c.Name == "made-by-the-dead" {
				return true
			}
		}
		return false
	})
	after, err := b.Svc.Usage(ctx, usage.Query{Since: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Total.Requests - before.Total.Requests; got < int64(answered) {
		t.Fatalf("the survivor sees %d attempts of the %d the killed instance answered", got, answered)
	}
	t.Logf("killed after %d answers; the survivor sees %d finished attempts", answered, after.Total.Requests-before.Total.Requests)
}
