package usage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var journalSamples = []Record{
	{ID: "req-1", RequestID: "req", Attempt: 1, Time: time.Date(2026, 12, 6, 1, 2, 3, 456789000, time.UTC),
		Provider: "openai", AccountID: 3, Model: "gpt-4o", Requested: "cx/gpt-4o", Combo: "daily", Entry: "openai/gpt-4o",
		KeyID: 9, Endpoint: "/v1/chat/completions", Outcome: OK, Status: 200, LatencyMs: 1234, TTFBMs: 56,
		Input: 1_000_000, Output: 42, CacheRead: 7, CacheWrite: 8, Reasoning: 9, Reported: true, CostUSD: 0.125},
	{ID: "x", Outcome: InFlight},
	{ID: "é-2", RequestID: "é", Attempt: -1, Provider: "glm", AccountID: -5, KeyID: -1 << 62, Status: 499,
		Outcome: Canceled, Error: "the client left: \x00 bytes \xff kept", Input: -1, CostUSD: -3.5e-300},
}

// TestJournalFrameRoundTrip: every field of a record survives a frame, begun or finished.
func TestJournalFrameRoundTrip(t *testing.T) {
	for _, want := range journalSamples {
		for _, kind := range []byte{kindBegun, kindFinished} {
			t.Run(fmt.Sprintf("%s %c", want.ID, kind), func(t *testing.T) {
				frame := appendFrame(nil, kind, &want)
				var got []Record
				if skipped := scanFrames(frame, func(k byte, r Record) {
					if k != kind {
						t.Errorf("kind %c, want %c", k, kind)
					}
					got = append(got, r)
				}); skipped != 0 || len(got) != 1 {
					t.Fatalf("%d records, %d bytes skipped", len(got), skipped)
				}
				if !got[0].Time.Equal(want.Time) || got[0].Time.IsZero() != want.Time.IsZero() {
					t.Fatalf("time %v, want %v", got[0].Time, want.Time)
				}
				got[0].Time = want.Time
				if got[0] != want {
					t.Fatalf("read back\n%+v\nwant\n%+v", got[0], want)
				}
			})
		}
	}
}

// TestJournalSkipsDamage: a torn tail, a flipped bit, zeros and garbage between frames cost only the frames they
// touch; the frames after them are read.
func TestJournalSkipsDamage(t *testing.T) {
	a, b, c := journalSamples[0], journalSamples[1], journalSamples[2]
	fa, fb, fc := appendFrame(nil, kindFinished, &a), appendFrame(nil, kindBegun, &b), appendFrame(nil, kindFinished, &c)
	flipped := bytes.Clone(fb)
	flipped[len(flipped)/2] ^= 0x10
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name string
		data []byte
		ids  string
	}{
		{"intact", cat(fa, fb, fc), "req-1,x,é-2"},
		{"torn tail", cat(fa, fb, fc[:len(fc)-3]), "req-1,x"},
		{"only a magic byte at the end", cat(fa, []byte{frameMagic}), "req-1"},
		{"flipped bit in the middle", cat(fa, flipped, fc), "req-1,é-2"},
		{"zeros in the middle", cat(fa, make([]byte, 4096), fc), "req-1,é-2"},
		{"garbage first", cat([]byte("\xa7\xff\xff\xff\x7fnot a frame"), fa), "req-1"},
		{"empty", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ids []string
			scanFrames(tc.data, func(_ byte, r Record) { ids = append(ids, r.ID) })
			if got := strings.Join(ids, ","); got != tc.ids {
				t.Fatalf("records %q, want %q", got, tc.ids)
			}
		})
	}
}

// FuzzJournalFrames: any bytes (a journal an OS crash damaged) decode and scan without panicking, and every
// record found is one the encoder writes back identically.
func FuzzJournalFrames(f *testing.F) {
	for _, r := range journalSamples {
		frame := appendFrame(nil, kindFinished, &r)
		f.Add(frame)
		f.Add(frame[:len(frame)-1])
		f.Add(append(appendFrame(nil, kindBegun, &r), frame...))
	}
	f.Add([]byte{frameMagic, 1, 0, 0, 0, 'F', 0, 0, 0, 0})
	frame := appendFrame(nil, kindFinished, &journalSamples[0])
	f.Add(frame[5 : len(frame)-4]) // a bare payload
	f.Fuzz(func(t *testing.T, data []byte) {
		// The payload decoder on its own (the CRC keeps random bytes from reaching it through scanFrames)...
		if kind, r, err := decodePayload(data); err == nil {
			var back []Record
			scanFrames(appendFrame(nil, kind, &r), func(_ byte, r2 Record) { back = append(back, r2) })
			if len(back) != 1 || back[0].ID != r.ID || back[0].Error != r.Error || back[0].Input != r.Input {
				t.Fatalf("decoded payload does not survive its own frame: %+v", r)
			}
		}
		// ... and the frame scanner.
		scanFrames(data, func(kind byte, r Record) {
			again := appendFrame(nil, kind, &r)
			var back []Record
			if scanFrames(again, func(_ byte, r2 Record) { back = append(back, r2) }) != 0 || len(back) != 1 {
				t.Fatalf("a record found in the input does not survive its own frame: %+v", r)
			}
			if !back[0].Time.Equal(r.Time) {
				t.Fatalf("time %v, want %v", back[0].Time, r.Time)
			}
			back[0].Time = r.Time
			if back[0] != r && !(r.CostUSD != r.CostUSD) { // NaN is never equal to itself
				t.Fatalf("round trip\n%+v\n%+v", back[0], r)
			}
		})
	})
}

// TestJournalReplayAfterCrash: a data dir as a kill leaves it (the database and the journal files copied while the
// writer runs, after a rotation) starts with every finished row, the attempt in flight since before the rotation
// interrupted, a torn tail skipped with a log line, and no journal file left once the rows are committed.
func TestJournalReplayAfterCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	defer db.Close()
	w, err := Open(ctx, db, quiet, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	now := time.Now().UTC()
	w.Begin(Record{ID: "long", Time: now, Provider: "glm", Model: "m"})
	pad := strings.Repeat("p", 2000)
	n := 0
	for gens, _ := journalFiles(dir); gens[len(gens)-1] < 2 || n < 300; gens, _ = journalFiles(dir) {
		r := Record{ID: fmt.Sprint("r", n), Time: now, Provider: "glm", Model: "m", Requested: pad, Input: 1}
		w.Begin(r)
		w.Finish(r)
		n++
		if n%50 == 0 {
			if err := w.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The kill: copy what is on disk, then add what the last moments wrote to the journal only (an attempt begun,
	// three finished) and a frame the kill tore. The writer's background sync may retire a generation while the
	// copy runs (a kill then would have seen either), so the copy is taken again until it holds one generation.
	var crashed string
	var gens []uint64
	for try := 0; ; try++ {
		w.syncNow() // removes the generations before the rotation: "long" lives on in the new one
		crashed = snapshotDir(t, dir)
		if gens, _ = journalFiles(crashed); len(gens) == 1 && gens[0] >= 2 {
			break
		}
		if try == 50 {
			t.Fatalf("journal generations %v: want one, after a rotation", gens)
		}
		time.Sleep(20 * time.Millisecond)
	}
	last := journalPath(crashed, gens[0])
	moments := appendFrame(nil, kindBegun, &Record{ID: "late", Time: now, Provider: "glm", Model: "m"})
	for i := range 3 {
		moments = appendFrame(moments, kindFinished, &Record{ID: fmt.Sprint("tail", i), Time: now, Provider: "glm", Model: "m", Input: 1, Outcome: OK})
	}
	torn := appendFrame(nil, kindFinished, &Record{ID: "torn", Time: now, Outcome: OK})
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(append(moments, torn[:len(torn)-2]...))
	f.Close()

	var logs bytes.Buffer
	db2 := openDB(t, crashed)
	defer db2.Close()
	w2, err := Open(ctx, db2, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	outcome := map[string]string{}
	var rows []Record
	db2.Table(recordTable).Find(&rows)
	for _, r := range rows {
		outcome[r.ID] = r.Outcome
	}
	for i := range n {
		if id := fmt.Sprint("r", i); outcome[id] != OK {
			t.Fatalf("%s: outcome %q after the replay, want ok", id, outcome[id])
		}
	}
	for i := range 3 {
		if id := fmt.Sprint("tail", i); outcome[id] != OK {
			t.Fatalf("%s: outcome %q after the replay, want ok", id, outcome[id])
		}
	}
	if outcome["long"] != Interrupted || outcome["late"] != Interrupted || outcome["torn"] != "" {
		t.Fatalf("long %q, late %q, torn %q: want interrupted, interrupted, absent", outcome["long"], outcome["late"], outcome["torn"])
	}
	if !strings.Contains(logs.String(), "skipped a torn or corrupt part") {
		t.Fatalf("no log line for the torn tail: %s", logs.String())
	}
	if left, _ := journalFiles(crashed); len(left) != 1 || left[0] <= gens[len(gens)-1] {
		t.Fatalf("journal generations after the replay %v (replayed %v): want only the new one", left, gens)
	}
	rep, err := Aggregate(ctx, db2, Query{Since: now.Add(-time.Hour), Until: now.Add(time.Hour)})
	if err != nil || rep.Total.Attempts != int64(len(rows)) {
		t.Fatalf("roll-ups count %d attempts, the ledger has %d rows (%v)", rep.Total.Attempts, len(rows), err)
	}
	w2.Close()
}

// snapshotDir copies the regular files of dir into a new temporary directory, skipping a file removed between
// the listing and its read.
func snapshotDir(t *testing.T, dir string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// Frames past the mapping (a burst between two commits) and frames written once the mapping is gone go to the
// file after the mapped ones; a replay finds every one, and the mapped file's unused end is not damage.
func TestJournalBeyondItsMapping(t *testing.T) {
	dir := t.TempDir()
	j, err := openJournal(dir, 1, quiet)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	pad := strings.Repeat("p", 3000)
	n := 0
	add := func() {
		if _, ok := j.finish(Record{ID: fmt.Sprint("r", n), Time: now, Requested: pad, Outcome: OK}); !ok {
			t.Fatalf("row %d not journaled", n)
		}
		n++
	}
	add()
	if data, _ := os.ReadFile(journalPath(dir, 1)); scanFrames(data, func(byte, Record) {}) != 0 {
		t.Fatal("the unused end of the file counted as damage")
	}
	for j.size <= mapSize+10_000 {
		add()
	}
	j.mu.Lock()
	if j.m != nil {
		if err := unmapJournal(j.m); err != nil {
			t.Fatal(err)
		}
		j.m = nil
	}
	j.mu.Unlock()
	for range 10 {
		add()
	}
	rows, gens, err := replayJournal(dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n || len(gens) != 1 {
		t.Fatalf("replayed %d rows from %v, want %d from one generation", len(rows), gens, n)
	}
	j.close()
}
