// Command ninerouter is NineRouter: the desktop tray app (default build) or the headless router
// (-tags headless). Everything before wails.Run must stay side-effect free: Wails' binding generation runs
// main (docs/desktop.md § Gotchas 1), so servers, the database and the tray start in the app's OnStartup.
package main

import (
	"context"
	"os"

	"github.com/ninerouter/ninerouter/backend/cli"
	"github.com/ninerouter/ninerouter/frontend"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], &cli.Env{
		Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin,
		Assets:  frontend.Dist(),
		Desktop: desktop,
	}))
}
