// Package frontend embeds the built web UI (frontend/dist), served by the desktop window and, in the headless
// server, at /dashboard. Run `make frontend` (or `npm run build` here) before building Go.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built UI with dist/ stripped, so index.html is at the root.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees dist exists
	}
	return sub
}
