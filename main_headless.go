//go:build headless

package main

import "github.com/ninerouter/ninerouter/backend/cli"

// The headless build has no window or tray and links no GUI library.
var desktop cli.Desktop
