package app

import _ "embed"

// Icons drawn by internal/cmd/icongen; regenerate with `go run ./internal/cmd/icongen`. The tray PNGs are 64 px:
// a full-size app icon would travel over D-Bus as a multi-megabyte IconPixmap (docs/desktop.md § Gotchas 3).
var (
	//go:embed icons/tray.png
	iconTrayPNG []byte
	//go:embed icons/tray-stopped.png
	iconTrayStoppedPNG []byte
	//go:embed icons/tray-attention.png
	iconTrayAttentionPNG []byte
	// The .ico files are the Windows tray's (tray_windows.go), the template the macOS menu bar's (tray_darwin.go):
	// staticcheck, run on Linux, sees them unused.
	//go:embed icons/tray.ico
	//lint:ignore U1000 used by tray_windows.go
	iconTrayICO []byte
	//go:embed icons/tray-stopped.ico
	//lint:ignore U1000 used by tray_windows.go
	iconTrayStoppedICO []byte
	//go:embed icons/tray-attention.ico
	//lint:ignore U1000 used by tray_windows.go
	iconTrayAttentionICO []byte
	//go:embed icons/tray-template.png
	//lint:ignore U1000 used by tray_darwin.go
	iconTrayTemplatePNG []byte
	//go:embed icons/window.png
	iconWindowPNG []byte
)
