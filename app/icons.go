package app

import _ "embed"

// Icons drawn by internal/cmd/icongen; regenerate with `go run ./internal/cmd/icongen`. The tray PNGs are 64 px:
// a full-size app icon would travel over D-Bus as a multi-megabyte IconPixmap (desktop.md §3.1 gotcha 3).
var (
	//go:embed icons/tray.png
	iconTrayPNG []byte
	//go:embed icons/tray-stopped.png
	iconTrayStoppedPNG []byte
	//go:embed icons/tray.ico
	iconTrayICO []byte
	//go:embed icons/tray-stopped.ico
	iconTrayStoppedICO []byte
	//go:embed icons/tray-template.png
	iconTrayTemplatePNG []byte
	//go:embed icons/window.png
	iconWindowPNG []byte
)
