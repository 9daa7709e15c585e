// Package version holds the build's identity, set by -ldflags at release time.
package version

import "runtime/debug"

// Set with -ldflags "-X github.com/ninerouter/ninerouter/backend/version.Version=v1.2.3".
var (
	Version = "dev"
	Commit  = ""
)

// Info is what `ninerouter version` and /api/status report.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Go      string `json:"go"`
}

// Get returns the version, filling the commit from the Go build info when -ldflags did not.
func Get() Info {
	info := Info{Version: Version, Commit: Commit}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.Go = bi.GoVersion
		if info.Commit == "" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					info.Commit = s.Value
				}
			}
		}
	}
	return info
}
