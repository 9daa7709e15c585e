//go:build !unix

package safefile

// keepOwner is a no-op where files have no Unix owner.
func keepOwner(tmp, target string) {}
