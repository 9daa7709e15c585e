//go:build !windows && !darwin

package app

import _ "embed"

// The tray's icons on Linux (tray_linux.go). The PNGs are 64 px: a full-size app icon would travel over D-Bus as
// a multi-megabyte IconPixmap (docs/desktop.md § Gotchas 3).
var (
	//go:embed icons/tray.png
	iconTrayPNG []byte
	//go:embed icons/tray-stopped.png
	iconTrayStoppedPNG []byte
	//go:embed icons/tray-attention.png
	iconTrayAttentionPNG []byte
)
