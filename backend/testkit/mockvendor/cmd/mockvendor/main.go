// Command mockvendor runs the in-repo mock subscription vendors (backend/testkit/mockvendor) for the browser
// tests: it writes the NINEROUTER_ENDPOINTS file pointing every provider at itself, prints its base URL, and
// serves until interrupted. Tests steer it through its /_control/ routes (revoke, expire).
//
//	mockvendor -endpoints /tmp/endpoints.json -auto-approve -access-ttl 30s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ninerouter/ninerouter/backend/testkit/mockvendor"
)

func main() {
	endpoints := flag.String("endpoints", "", "write the NINEROUTER_ENDPOINTS JSON file here (required)")
	autoApprove := flag.Bool("auto-approve", false, "approve every device code at its first poll")
	ttl := flag.Duration("access-ttl", time.Hour, "lifetime of issued access tokens")
	flag.Parse()
	if *endpoints == "" {
		fmt.Fprintln(os.Stderr, "mockvendor: -endpoints is required")
		os.Exit(2)
	}
	m := mockvendor.New()
	defer m.Close()
	m.AutoApprove, m.AccessTTL = *autoApprove, *ttl
	if err := os.WriteFile(*endpoints, m.EndpointsJSON(0), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "mockvendor:", err)
		os.Exit(1)
	}
	fmt.Println(m.URL())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
}
