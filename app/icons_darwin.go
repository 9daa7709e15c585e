package app

import _ "embed"

// The menu bar's icons on macOS (tray_darwin.go): the template the bar tints, and the coloured ones it falls
// back to.
var (
	//go:embed icons/tray-template.png
	iconTrayTemplatePNG []byte
	//go:embed icons/tray.png
	iconTrayPNG []byte
	//go:embed icons/tray-stopped.png
	iconTrayStoppedPNG []byte
)
