package update

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"
)

// Interval is the most often the background check asks the feed.
const Interval = 24 * time.Hour

// Status is what the tray row and the window show.
type Status struct {
	// Enabled is false when no feed URL is set (the setting is empty): nothing is ever fetched then.
	Enabled   bool      `json:"enabled"`
	Current   string    `json:"current"`
	Checking  bool      `json:"checking"`
	LastCheck time.Time `json:"lastCheck,omitzero"`
	// Available is true when the feed offers a newer version for this platform.
	Available bool   `json:"available"`
	Latest    string `json:"latest,omitempty"`
	// URL is the download for this platform (opened in the browser by the user, never fetched here), SHA256
	// the digest it must have, NotesURL the release notes.
	URL      string `json:"url,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	NotesURL string `json:"notesUrl,omitempty"`
	// Error says why the last check failed (unreachable, bad signature, corrupt manifest).
	Error string `json:"error,omitempty"`
}

// Options configure a Checker.
type Options struct {
	// FeedURL returns the feed's address now ("" = checks are off). Read before every check, so a settings
	// change applies without a restart.
	FeedURL func() string
	Current string              // this build's version
	Keys    []ed25519.PublicKey // nil = ReleaseKeys
	Client  *http.Client        // nil = a client with a 30 s timeout
	GOOS    string              // "" = runtime.GOOS
	GOARCH  string
	Now     func() time.Time
	// Load and Save keep the last result across restarts, so "at most daily" holds when the app restarts.
	Load func() (Status, bool)
	Save func(Status)
	// Changed is called after every state change (the service publishes an event).
	Changed func(Status)
	Log     *slog.Logger
}

// Checker asks the feed at most once per Interval in the background (Run) and whenever asked (Check).
type Checker struct {
	o    Options
	keys []ed25519.PublicKey
	now  chan chan Status // on-demand requests served by Run, or by Check itself when Run is not running

	mu      sync.Mutex
	st      Status
	running bool // Run is looping
}

// NewChecker returns a Checker; its state starts from Load.
func NewChecker(o Options) (*Checker, error) {
	keys := o.Keys
	if keys == nil {
		var err error
		if keys, err = ParsePublicKeys(ReleaseKeys); err != nil {
			return nil, err
		}
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.GOOS == "" {
		o.GOOS, o.GOARCH = runtime.GOOS, runtime.GOARCH
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.FeedURL == nil {
		o.FeedURL = func() string { return "" }
	}
	c := &Checker{o: o, keys: keys, now: make(chan chan Status)}
	if o.Load != nil {
		if st, ok := o.Load(); ok {
			c.st = st
		}
	}
	c.st.Current = o.Current
	c.st.Checking = false
	c.st.Enabled = o.FeedURL() != ""
	if c.st.Available && !Newer(c.st.Latest, o.Current) {
		c.st.Available = false // installed since the last check
	}
	return c, nil
}

// Status is the last known state.
func (c *Checker) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.st
	st.Enabled = c.o.FeedURL() != ""
	return st
}

// Run checks when due (never more than once per Interval, counting checks before a restart) until ctx ends.
// The owner runs it on one goroutine.
func (c *Checker) Run(ctx context.Context) {
	c.mu.Lock()
	c.running = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
	}()
	for {
		var wait time.Duration // never checked: now
		c.mu.Lock()
		if !c.st.LastCheck.IsZero() {
			wait = c.st.LastCheck.Add(Interval).Sub(c.o.Now())
		}
		c.mu.Unlock()
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case reply := <-c.now:
			timer.Stop()
			reply <- c.check(ctx)
		case <-timer.C:
			if c.o.FeedURL() == "" {
				// Off: look again after an interval (a setting change with the window open uses Check).
				c.mu.Lock()
				c.st.LastCheck = c.o.Now()
				c.mu.Unlock()
				continue
			}
			c.check(ctx)
		}
	}
}

// Check asks the feed now and returns the new state. With Run looping, the check runs there (one at a time).
func (c *Checker) Check(ctx context.Context) Status {
	c.mu.Lock()
	running := c.running
	c.mu.Unlock()
	if running {
		reply := make(chan Status, 1)
		select {
		case c.now <- reply:
			select {
			case st := <-reply:
				return st
			case <-ctx.Done():
				return c.Status()
			}
		case <-ctx.Done():
			return c.Status()
		default:
		}
	}
	return c.check(ctx)
}

func (c *Checker) check(ctx context.Context) Status {
	feed := c.o.FeedURL()
	c.mu.Lock()
	if feed == "" {
		c.st.Enabled, c.st.Error = false, ""
		st := c.st
		c.mu.Unlock()
		return st
	}
	c.st.Enabled, c.st.Checking = true, true
	c.mu.Unlock()
	c.changed()

	m, err := c.fetch(ctx, feed)
	c.mu.Lock()
	c.st.Checking = false
	c.st.LastCheck = c.o.Now().UTC()
	if err != nil {
		c.st.Error = err.Error()
		c.o.Log.Warn("update check failed", "err", err)
	} else {
		c.st.Error = ""
		c.apply(m)
	}
	st := c.st
	c.mu.Unlock()
	if c.o.Save != nil {
		c.o.Save(st)
	}
	c.changed()
	return st
}

// apply records a verified manifest: newer and built for this platform means available; an older or equal
// version (a stale mirror, a rollback attempt) is ignored.
func (c *Checker) apply(m Manifest) {
	c.st.Available, c.st.Latest, c.st.URL, c.st.SHA256, c.st.NotesURL = false, m.Version, "", "", m.NotesURL
	if !Newer(m.Version, c.o.Current) {
		return
	}
	for _, k := range PlatformKeys(c.o.GOOS, c.o.GOARCH) {
		if a, ok := m.Platforms[k]; ok {
			c.st.Available, c.st.URL, c.st.SHA256 = true, a.URL, a.SHA256
			return
		}
	}
	c.st.Error = fmt.Sprintf("NineRouter %s is out, but the feed has no download for %s", m.Version, PlatformKeys(c.o.GOOS, c.o.GOARCH)[0])
}

func (c *Checker) changed() {
	if c.o.Changed != nil {
		c.o.Changed(c.Status())
	}
}

// fetch reads and verifies the feed. Only the feed document is read; nothing it links to is fetched.
func (c *Checker) fetch(ctx context.Context, feed string) (Manifest, error) {
	if err := CheckFeedURL(feed); err != nil {
		return Manifest{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feed, nil)
	if err != nil {
		return Manifest{}, fmt.Errorf("update feed %s: %w", feed, err)
	}
	req.Header.Set("User-Agent", "NineRouter/"+c.o.Current)
	req.Header.Set("Accept", "application/json")
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return Manifest{}, fmt.Errorf("update feed unreachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Manifest{}, fmt.Errorf("update feed %s answered HTTP %d", feed, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxFeedBytes+1))
	if err != nil {
		return Manifest{}, fmt.Errorf("update feed: reading: %w", err)
	}
	if len(body) > MaxFeedBytes {
		return Manifest{}, fmt.Errorf("%w: larger than %d KiB", ErrBadFeed, MaxFeedBytes>>10)
	}
	return Open(body, c.keys)
}

// CheckFeedURL accepts https feeds, and http only on loopback (a local test server).
func CheckFeedURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("update feed %q is not a URL", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
			return nil
		}
	}
	return errors.New("the update feed must be an https:// URL (http:// only on this machine)")
}
