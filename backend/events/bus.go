// Package events is the service's publish/subscribe bus. Views (tray, window, dashboard) subscribe and redraw
// from state; they never poll.
package events

import (
	"context"
	"sync"
)

// Kind names what changed. Subscribers usually re-read state from the service rather than trust payloads.
type Kind string

const (
	KindStatus     Kind = "status"      // server started/stopped, request counters
	KindAccounts   Kind = "accounts"    // account added/removed/enabled, cooldowns
	KindCombos     Kind = "combos"      // combo list or the active combo changed
	KindKeys       Kind = "keys"        // client API keys
	KindUsage      Kind = "usage"       // new usage rows written
	KindTools      Kind = "tools"       // CLI tool config state
	KindSettings   Kind = "settings"    // settings changed
	KindShowWindow Kind = "show-window" // a second launch asked the running instance to show itself
	KindUpdate     Kind = "update"      // the update check's answer changed (data: update.Status)
	KindQuit       Kind = "quit"        // an uninstall asked the desktop app to quit
	KindQuota      Kind = "quota"       // a subscription account's quota changed (backend/quota)
)

// Event is one notification. Data is small and optional.
type Event struct {
	Kind Kind `json:"kind"`
	Data any  `json:"data,omitempty"`
}

// Bus fans events out to subscribers. A slow subscriber loses events rather than blocking publishers: each
// subscriber has a small buffer, and since views redraw from state a dropped event only delays a redraw until
// the next one. KindStatus-style coalescing is the subscriber's job.
type Bus struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: make(map[chan Event]struct{})} }

// Publish sends ev to every subscriber without blocking.
func (b *Bus) Publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// Subscribe returns a channel of events that is closed when ctx ends.
func (b *Bus) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, ch)
		close(ch)
		b.mu.Unlock()
	}()
	return ch
}
