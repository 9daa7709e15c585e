//go:build !(linux && cgo && desktop)

package app

// quitLoop: only the Linux desktop build ends its loop itself (loopquit_gtk.go); tests build without GTK.
func quitLoop() {}
