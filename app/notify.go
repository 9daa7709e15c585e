package app

import (
	"context"
	"errors"

	"github.com/gen2brain/beeep"
)

// Desktop notifications go through github.com/gen2brain/beeep: on Linux it speaks the freedesktop
// org.freedesktop.Notifications D-Bus interface (through github.com/esiqveland/notify, pure Go, over the same
// godbus session connection the tray uses), with notify-send as its fallback; on Windows a toast; on macOS the
// notification centre. One maintained library for the three systems instead of three hand-written ones.

// notifications delivers quota notes on one goroutine owned by the shell, so the service (which may notice
// something on a request's path) never waits for the OS.
type notifications struct {
	queue chan [2]string
}

func newNotifications() *notifications { return &notifications{queue: make(chan [2]string, 8)} }

// send queues a notification; a full queue drops it (the service already rate-limits, so this is a storm).
func (n *notifications) send(title, body string) error {
	select {
	case n.queue <- [2]string{title, body}:
		return nil
	default:
		return errors.New("notification queue full")
	}
}

// run shows queued notifications until ctx ends.
func (n *notifications) run(ctx context.Context, onErr func(error)) {
	beeep.AppName = "NineRouter"
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-n.queue:
			if err := beeep.Notify(m[0], m[1], iconWindowPNG); err != nil {
				onErr(err)
			}
		}
	}
}
