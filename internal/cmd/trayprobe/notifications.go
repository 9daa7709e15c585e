package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/godbus/dbus/v5"
)

const (
	notifyName = "org.freedesktop.Notifications"
	notifyPath = "/org/freedesktop/Notifications"
)

// notifications is a minimal freedesktop notification server (what a desktop's notification daemon is): it
// prints each notification as "notify: SUMMARY | BODY", so a test sees what the app asked the OS to show.
type notifications struct{ id atomic.Uint32 }

func (n *notifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	fmt.Printf("notify: %s | %s (app %s)\n", summary, body, app)
	return n.id.Add(1), nil
}

func (n *notifications) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body", "icon-static"}, nil
}

func (n *notifications) CloseNotification(id uint32) *dbus.Error { return nil }

func (n *notifications) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "trayprobe", "ninerouter", "1", "1.2", nil
}

// runNotifications owns org.freedesktop.Notifications until SIGTERM or SIGINT.
func runNotifications(conn *dbus.Conn) error {
	if err := conn.Export(&notifications{}, notifyPath, notifyName); err != nil {
		return err
	}
	return serveName(conn, notifyName, "notifications ready")
}

// serveName owns a well-known bus name, says ready, and serves until SIGTERM or SIGINT.
func serveName(conn *dbus.Conn, name, ready string) error {
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil {
		return err
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("%s is already owned", name)
	}
	fmt.Println(ready)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}
