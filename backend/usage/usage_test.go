package usage

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
)

func openDB(t testing.TB, dir string) *store.DB {
	t.Helper()
	db, err := openDBErr(dir)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func openDBErr(dir string) (*store.DB, error) { return store.Open(context.Background(), dir) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestWriterLedger: finished attempts have their row; the list shows a row in flight; a row still in flight when
// the writer closes is kept as interrupted; costs feed the running spend and are reloaded at the next start.
func TestWriterLedger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	w, err := Open(ctx, db, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i, id := range []string{"a", "b", "c"} {
		rec := Record{ID: id, RequestID: "r", Attempt: i + 1, Time: now, Provider: "openai", AccountID: 7,
			Model: "gpt-4o", Combo: "c1", Entry: "openai/gpt-4o"}
		w.Begin(rec)
		if id != "c" { // c is still in flight when "the process dies"
			rec.Input, rec.Output, rec.Reported = 1_000_000, 100_000, true
			w.Finish(rec)
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var rows []Record
	db.Table(recordTable).Order("id").Find(&rows)
	if len(rows) != 2 || rows[0].Outcome != OK || rows[1].Outcome != OK {
		t.Fatalf("rows %+v, want the two finished ones (in-flight rows live in memory and the journal)", rows)
	}
	listed, err := w.Records(ctx, now.Add(-time.Minute), 10)
	outcomes := map[string]string{}
	for _, r := range listed {
		outcomes[r.ID] = r.Outcome
	}
	if err != nil || len(listed) != 3 || outcomes["c"] != InFlight || outcomes["a"] != OK {
		t.Fatalf("listed %+v (%v), want a and b ok, c in flight", listed, err)
	}
	if rows[0].CostUSD != 3.5 { // gpt-4o: 2.5 in + 10 out per Mtok
		t.Errorf("cost %v, want 3.5", rows[0].CostUSD)
	}
	d, m := w.Spend().AccountSpend(7, now)
	if d != 7 || m != 7 {
		t.Errorf("account spend %v/%v, want 7", d, m)
	}
	if d, _ := w.Spend().EntrySpend("c1", "openai/gpt-4o", now); d != 7 {
		t.Errorf("entry spend %v", d)
	}
	w.Close()
	w.Close() // twice is fine
	db.Close()

	// Restart: the in-flight row was kept as interrupted; this month's spend is reloaded.
	db = openDB(t, dir)
	defer db.Close()
	w, err = Open(ctx, db, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var c Record
	db.Table(recordTable).First(&c, "id = ?", "c")
	if c.Outcome != Interrupted {
		t.Errorf("crashed attempt outcome %q, want interrupted", c.Outcome)
	}
	if d, m := w.Spend().AccountSpend(7, now); d != 7 || m != 7 {
		t.Errorf("spend after restart %v/%v, want 7", d, m)
	}
	if d, m := w.Spend().EntrySpend("c1", "openai/gpt-4o", now); d != 7 || m != 7 {
		t.Errorf("entry spend after restart %v/%v, want 7", d, m)
	}
	rep, err := Aggregate(ctx, db, Query{Since: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Requests != 1 || rep.Total.Attempts != 3 || rep.Total.Errors != 1 || rep.Total.Input != 2_000_000 || len(rep.Buckets) != 1 || rep.By["model"][0].Key != "openai/gpt-4o" {
		t.Errorf("report %+v", rep)
	}
}

func TestPrices(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir())
	defer db.Close()
	p, err := LoadPrices(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		provider, model string
		in              float64
		ok              bool
	}{
		{"openai", "gpt-4o-mini-2024-07-18", 0.15, true}, // longer prefix wins over gpt-4o*
		{"openai", "gpt-4o", 2.5, true},
		{"anthropic", "claude-sonnet-4-5", 3, true},
		{"x", "unknown-model", 0, false},
	}
	for _, tc := range cases {
		pr, ok := p.Lookup(tc.provider, tc.model)
		if ok != tc.ok || pr.Input != tc.in {
			t.Errorf("%s: %v %v", tc.model, pr, ok)
		}
	}
	if err := p.Set(ctx, Price{Provider: "glm", Model: "glm-4.6", Input: 9, Output: 9}); err != nil {
		t.Fatal(err)
	}
	if pr, _ := p.Lookup("glm", "glm-4.6"); pr.Input != 9 || !pr.Custom {
		t.Errorf("user price not used: %+v", pr)
	}
	if pr, _ := p.Lookup("other", "glm-4.6"); pr.Input != 0.6 {
		t.Errorf("provider-scoped price leaked: %+v", pr)
	}
	if err := p.Delete(ctx, "glm", "glm-4.6"); err != nil {
		t.Fatal(err)
	}
	if pr, _ := p.Lookup("glm", "glm-4.6"); pr.Custom {
		t.Errorf("deleted price still used")
	}
}

func TestRequestLogRedacts(t *testing.T) {
	dir := t.TempDir()
	l := NewRequestLog(dir, false)
	h := http.Header{"Authorization": {"Bearer sk-abcdefghijklmnopqrstuvwxyz"}, "X-Api-Key": {"secret-key-value"}}
	l.Log(Entry{RequestID: "off"})
	l.SetEnabled(true)
	l.Log(Entry{RequestID: "r1", URL: "https://x/v1?key=AIzaSyA-very-secret-google-key-1234567890", RequestHeader: h,
		RequestBody: `{"api_key":"hunter2","messages":[]}`, ResponseBody: strings.Repeat("x", maxLoggedBody+10)})
	l.Close()
	b, err := os.ReadFile(filepath.Join(dir, "logs", "requests.log"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, secret := range []string{"sk-abcdefghijklmnopqrstuvwxyz", "secret-key-value", "hunter2", "AIzaSyA-very"} {
		if strings.Contains(s, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
	if strings.Contains(s, `"off"`) || !strings.Contains(s, "[truncated]") || strings.Count(s, "\n") != 1 {
		t.Errorf("log: %.300s", s)
	}
}

// TestInsertKeepsEveryField: the hand-written insert binds every column of Record, and a row read back
// through gorm is the row written (a column missing from usageColumns would come back zero); inserting the same
// attempt again (a journal replayed after a crash) changes nothing and is not counted twice in the roll-ups.
func TestInsertKeepsEveryField(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, t.TempDir())
	defer db.Close()
	w, err := Open(ctx, db, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	at := time.Date(2026, 11, 25, 23, 0, 0, 123000000, time.UTC)
	want := Record{ID: "u1", RequestID: "r1", Attempt: 2, Time: at, Provider: "glm", AccountID: 3, Model: "glm-4.6",
		Requested: "c", Combo: "c", Entry: "glm/glm-4.6", KeyID: 9, Endpoint: "/v1/messages", Outcome: OK, Status: 200,
		Error: "none", LatencyMs: 11, TTFBMs: 5, Input: 100, Output: 50, CacheRead: 7, CacheWrite: 3, Reasoning: 20,
		Reported: true, CostUSD: 0.25}
	if err := w.insert([]Record{want}); err != nil {
		t.Fatal(err)
	}
	again := want
	again.Outcome, again.Error = Interrupted, interruptedMessage
	if err := w.insert([]Record{again}); err != nil {
		t.Fatal(err)
	}
	var got Record
	if err := db.Table(recordTable).First(&got, "id = ?", "u1").Error; err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(want.Time) {
		t.Fatalf("time %v, want %v", got.Time, want.Time)
	}
	got.Time = want.Time
	if got != want {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, want)
	}
	var cols []struct{ Name string }
	db.Raw("SELECT name FROM pragma_table_info('usage_records')").Scan(&cols)
	if n := len(strings.Split(usageColumns, ",")); len(cols) != n || n != usageColumnCount {
		t.Fatalf("usage_records has %d columns, insert names %d and binds %d: %v", len(cols), n, usageColumnCount, cols)
	}
	if n := len(strings.Split(rollupColumns, ",")); n != rollupColumnCount {
		t.Fatalf("roll-up columns: %d named, %d bound", n, rollupColumnCount)
	}
	rep, err := Aggregate(ctx, db, Query{Since: at.Truncate(time.Hour), Until: at.Truncate(time.Hour).Add(time.Hour)})
	if err != nil || rep.Total.Attempts != 1 || rep.Total.Errors != 0 || rep.Total.Input != 100 {
		t.Fatalf("roll-ups after the second insert %+v (%v), want the row once", rep.Total, err)
	}
}
