//go:build !linux

package procstat

// DropPageCache is Linux-only (pagecache_linux.go); elsewhere the footprint lane takes the cache as it is.
func DropPageCache(string) error { return ErrUnsupported }
