package cli

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
)

// runPassword sets the dashboard password. It reads one line from stdin so the password never appears in the
// process list or shell history.
func runPassword(ctx context.Context, e *Env, args []string) error {
	fs, cf := commandFlags(e, "password", "[--data-dir DIR]  (reads the new password from stdin)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	fmt.Fprint(e.Stderr, "New dashboard password: ")
	line, err := bufio.NewReader(e.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("%w: give the password on stdin", errUsage)
	}
	pw := strings.TrimRight(line, "\r\n")
	c, err := open(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.do(ctx, http.MethodPost, "/api/auth/password", map[string]string{"password": pw}, nil); err != nil {
		return err
	}
	fmt.Fprintln(e.Stderr, "\npassword set")
	return nil
}
