//go:build !linux || !cgo

package app

import "syscall"

// restoreSignalStack: only Linux' WebKitGTK installs signal handlers without SA_ONSTACK in this process
// (signals_linux.go); WebView2 and WKWebView run in other processes.
func restoreSignalStack() ([]syscall.Signal, error) { return nil, nil }
