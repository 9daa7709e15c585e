//go:build !headless

package main

import "github.com/ninerouter/ninerouter/app"

// desktop is the window + tray entry point; absent from the headless build.
var desktop = app.Run
