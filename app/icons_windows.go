package app

import _ "embed"

// The notification area's icons on Windows (tray_windows.go).
var (
	//go:embed icons/tray.ico
	iconTrayICO []byte
	//go:embed icons/tray-stopped.ico
	iconTrayStoppedICO []byte
	//go:embed icons/tray-attention.ico
	iconTrayAttentionICO []byte
)
