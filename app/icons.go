package app

import _ "embed"

// Icons drawn by internal/cmd/icongen; regenerate with `go run ./internal/cmd/icongen`. The tray's icons are in
// the file of the system that shows them (icons_linux.go, icons_windows.go, icons_darwin.go), so that no build
// carries, or a linter finds unused, another system's icons.

//go:embed icons/window.png
var iconWindowPNG []byte
