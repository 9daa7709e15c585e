package service

import (
	"sync"
	"time"

	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/quota"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// Notifier shows one OS notification. The desktop shell provides it (app/notify.go); a headless server has
// none, and its notes are dropped.
type Notifier func(title, body string) error

// SetNotifier installs the OS notification sink.
func (s *Service) SetNotifier(n Notifier) {
	if s.quota != nil {
		s.quota.notify.mu.Lock()
		s.quota.notify.sink = n
		s.quota.notify.mu.Unlock()
	}
}

// Notification limits: never a storm. The same note (same key) at most once per keyGap (the fallback note at
// most hourly per combo), and at most burstMax notes per burstWindow in all.
const (
	keyGap      = 10 * time.Minute
	fallbackGap = time.Hour
	burstMax    = 3
	burstWindow = time.Minute
)

// notifier switches, rate-limits and sends quota notes.
type notifier struct {
	s      *Service
	mu     sync.Mutex
	sink   Notifier
	off    map[quota.NoteKind]bool
	last   map[string]time.Time
	recent []time.Time
	now    func() time.Time
}

func newNotifier(s *Service) *notifier {
	return &notifier{s: s, off: map[quota.NoteKind]bool{}, last: map[string]time.Time{}, now: time.Now}
}

// configure reads the per-kind switches from the settings.
func (n *notifier) configure(stored map[string]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, k := range []quota.NoteKind{quota.NoteLow, quota.NoteReset, quota.NoteFallback, quota.NoteSignIn} {
		n.off[k] = stored[settingQuotaNotify+string(k)] == "false"
	}
}

// send delivers a note unless its kind is off or it would be a repeat or part of a storm.
func (n *notifier) send(note quota.Note) {
	now := n.now()
	n.mu.Lock()
	gap := keyGap
	if note.Kind == quota.NoteFallback {
		gap = fallbackGap
	}
	if n.off[note.Kind] || n.sink == nil || (note.Key != "" && now.Sub(n.last[note.Key]) < gap) {
		n.mu.Unlock()
		return
	}
	kept := n.recent[:0]
	for _, t := range n.recent {
		if now.Sub(t) < burstWindow {
			kept = append(kept, t)
		}
	}
	n.recent = kept
	if len(n.recent) >= burstMax {
		n.mu.Unlock()
		n.s.log.Info("quota: notification held back (too many at once)", "title", note.Title)
		return
	}
	n.recent = append(n.recent, now)
	n.last[note.Key] = now
	sink := n.sink
	n.mu.Unlock()
	if err := sink(note.Title, note.Body); err != nil {
		n.s.log.Info("quota: the notification could not be shown", "err", err)
	}
}

// fallbackWatch is the proxy's usage recorder with one addition: an answer served by a later entry of a
// fallback combo than its first means the combo fell back to a lower tier, which the user hears about (at most
// hourly per combo).
type fallbackWatch struct {
	proxy.Recorder
	s *Service
}

func (f fallbackWatch) Finish(rec usage.Record) {
	if sp := f.s.team.spend; sp != nil { // a team server's budget caps count the whole cluster (team.go)
		sp.Add(rec.Time, rec.AccountID, rec.Combo, rec.Entry, f.s.routing.usage.Prices().Cost(rec.Provider, rec.Model, rec))
	}
	f.Recorder.Finish(rec)
	if rec.Outcome != usage.OK || rec.Combo == "" || f.s.quota == nil || f.s.routing == nil {
		return
	}
	c := f.s.routing.router.Snapshot().Combos[rec.Combo]
	if c == nil || c.Strategy != route.ComboFallback || len(c.Entries) < 2 || c.Entries[0].Model == rec.Entry {
		return
	}
	f.s.quota.notify.send(quota.Note{Kind: quota.NoteFallback, Key: "fallback:" + rec.Combo,
		Title: "Combo " + rec.Combo + " fell back", Body: "Served by " + rec.Entry + ": the combo's first choice is spent or failing."})
}
