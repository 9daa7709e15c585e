// Package team makes several NineRouter instances on one PostgreSQL database behave as one router
// (docs/team-server.md): a change made through any instance is announced with NOTIFY and every other instance,
// LISTENing on a dedicated connection, reloads its in-memory state (snapshot, client keys, settings) within
// moments; cooldowns learned by one instance are adopted by all; a token refresh runs once across the cluster
// under an advisory lock (lock.go).
package team

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ninerouter/ninerouter/backend/store"
)

// Channel is the NOTIFY channel every instance listens on.
const Channel = "ninerouter_changes"

// Message is one announcement. Kind is an events.Kind ("combos", "keys", …) or KindCooldown.
type Message struct {
	From string          `json:"from"`
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data,omitempty"`
}

// KindCooldown carries a route.Cooldown learned by the sender; KindCooldownReset the account id whose
// cooldowns the user cleared.
const (
	KindCooldown      = "cooldown"
	KindCooldownReset = "cooldown-reset"
)

// outQueue bounds announcements waiting to be sent; changes are rare, so a full queue means the database is
// gone, and the listener's resync after reconnecting covers what was dropped.
const outQueue = 256

// retryEvery paces reconnecting the listener after the database went away.
const retryEvery = time.Second

// outgoing is a queued announcement; sent (when not nil) is closed once the sender is done with it.
type outgoing struct {
	m    Message
	sent chan struct{}
}

// announceWait bounds how long AnnounceWait waits for its NOTIFY: long enough for a busy database, short enough
// that a lost one never holds a change for long (the listener's resync covers the others then).
const announceWait = 2 * time.Second

// Handlers receive what other instances announce. Resync runs after every (re)subscription except the first,
// when announcements may have been missed: it reloads everything.
type Handlers struct {
	Message func(Message)
	Resync  func()
}

// Bus announces this instance's changes and delivers the others'. Start it with Start; Close ends its two
// goroutines (sender and listener).
type Bus struct {
	db        *store.DB
	id        string
	log       *slog.Logger
	h         Handlers
	mu        sync.RWMutex // guards closed against Announce after Close
	closed    bool
	out       chan outgoing
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	listening atomic.Bool
}

// Start subscribes (the first LISTEN happens before Start returns, so no change made after it is missed) and
// starts the sender and the listener.
func Start(ctx context.Context, db *store.DB, log *slog.Logger, h Handlers) (*Bus, error) {
	var b [8]byte
	rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	bus := &Bus{db: db, id: hex.EncodeToString(b[:]), log: log, h: h, out: make(chan outgoing, outQueue), cancel: cancel}
	conn, err := bus.subscribe(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	bus.wg.Add(2)
	go bus.send(ctx)
	go bus.listen(ctx, conn)
	return bus, nil
}

// ID names this instance in announcements.
func (b *Bus) ID() string { return b.id }

// Listening says whether the listener is connected (false while the database is unreachable).
func (b *Bus) Listening() bool { return b.listening.Load() }

// Announce queues a change for the other instances; it never blocks the caller (the request path announces
// cooldowns).
func (b *Bus) Announce(kind string, data any) { b.enqueue(kind, data, nil) }

// AnnounceWait announces a change and returns once its NOTIFY is committed (or after announceWait), so a change
// whose caller got an answer has reached the other instances' feeds even if this process is killed right after.
func (b *Bus) AnnounceWait(kind string, data any) {
	sent := make(chan struct{})
	if !b.enqueue(kind, data, sent) {
		return
	}
	select {
	case <-sent:
	case <-time.After(announceWait):
	}
}

func (b *Bus) enqueue(kind string, data any, sent chan struct{}) bool {
	m := Message{From: b.id, Kind: kind}
	if data != nil {
		raw, err := json.Marshal(data)
		if err != nil {
			b.log.Warn("team: announcement not encodable", "kind", kind, "err", err)
			return false
		}
		m.Data = raw
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return false
	}
	select {
	case b.out <- outgoing{m, sent}:
		return true
	default:
		b.log.Warn("team: announcement queue full; other instances resync when the database returns", "kind", kind)
		return false
	}
}

// Close stops the sender and the listener, after sending what is queued (bounded by a short deadline).
func (b *Bus) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.out)
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
	}
	b.cancel()
	b.wg.Wait()
}

func (b *Bus) send(ctx context.Context) {
	defer b.wg.Done()
	defer b.cancel() // the listener ends once nothing more will be sent
	for o := range b.out {
		m := o.m
		payload, _ := json.Marshal(m)
		for try := 0; ; try++ {
			err := b.db.WithContext(ctx).Exec("SELECT pg_notify(?, ?)", Channel, string(payload)).Error
			if err == nil || ctx.Err() != nil {
				break
			}
			if try == 2 {
				b.log.Warn("team: could not announce a change; other instances resync when the database returns",
					"kind", m.Kind, "err", err)
				break
			}
			time.Sleep(retryEvery)
		}
		if o.sent != nil {
			close(o.sent)
		}
	}
}

type listenConn interface {
	WaitForNotification(ctx context.Context) (payload string, err error)
	Close(ctx context.Context) error
}

func (b *Bus) subscribe(ctx context.Context) (listenConn, error) {
	conn, err := b.db.Dedicated(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	b.listening.Store(true)
	return pgxListen{conn}, nil
}

func (b *Bus) listen(ctx context.Context, conn listenConn) {
	defer b.wg.Done()
	for {
		for conn != nil {
			payload, err := conn.WaitForNotification(ctx)
			if err != nil {
				b.listening.Store(false)
				conn.Close(context.Background())
				conn = nil
				if ctx.Err() == nil {
					b.log.Warn("team: lost the change feed; serving from memory until the database returns", "err", err)
				}
				break
			}
			var m Message
			if json.Unmarshal([]byte(payload), &m) != nil || m.From == b.id {
				continue
			}
			b.h.Message(m)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryEvery):
		}
		c, err := b.subscribe(ctx)
		if err != nil {
			continue
		}
		conn = c
		b.log.Info("team: change feed back; reloading shared state")
		b.h.Resync()
	}
}
