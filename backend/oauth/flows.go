package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// FlowState is a sign-in flow's progress.
type FlowState string

const (
	FlowWaiting    FlowState = "waiting"    // the user acts: opens the URL, enters the code, pastes the address
	FlowExchanging FlowState = "exchanging" // the code is being traded for a token
	FlowDone       FlowState = "done"
	FlowFailed     FlowState = "failed"
	FlowExpired    FlowState = "expired"
	FlowCancelled  FlowState = "cancelled"
)

// Terminal reports whether the flow has ended.
func (s FlowState) Terminal() bool { return s != FlowWaiting && s != FlowExchanging }

// FlowView is a flow as the views show it. It never holds a token.
type FlowView struct {
	ID              string    `json:"id"`
	Provider        string    `json:"provider"`
	ProviderName    string    `json:"providerName"`
	Flow            Flow      `json:"flow"`
	State           FlowState `json:"state"`
	URL             string    `json:"url,omitempty"` // open this (authorize page or device verification page)
	UserCode        string    `json:"userCode,omitempty"`
	VerificationURI string    `json:"verificationUri,omitempty"`
	Message         string    `json:"message,omitempty"` // progress, or what went wrong and what to do next
	ImportNote      string    `json:"importNote,omitempty"`
	ExpiresAt       time.Time `json:"expiresAt"`
	AccountID       int64     `json:"accountId,omitempty"`
	Email           string    `json:"email,omitempty"`
	Plan            string    `json:"plan,omitempty"`
}

// StartRequest starts a flow. Relogin names the account to sign in again (0: a new account).
type StartRequest struct {
	Provider string `json:"provider"`
	Flow     Flow   `json:"flow"`
	Relogin  int64  `json:"accountId,omitempty"`
}

// Complete turns a grant into an account (new, or the relogin one) and returns its id; it is the service's
// one atomic step, so a failure leaves no half-created account.
type Complete func(ctx context.Context, p *Provider, g Grant, relogin int64) (int64, error)

// Flows runs sign-in flows. Each flow has an owner goroutine that ends with the flow (done, failed, cancelled or
// expired after Expiry); Close ends them all.
type Flows struct {
	m        *Manager
	complete Complete
	// Expiry bounds every flow (5 minutes; tests shorten it).
	Expiry time.Duration
	// Home is the directory CLI logins are imported from (the user's home; tests use a temp dir).
	Home func() (string, error)

	mu       sync.Mutex
	sessions map[string]*session
	wg       sync.WaitGroup
	closed   bool
}

// NewFlows builds the flow runner.
func NewFlows(m *Manager, complete Complete) *Flows {
	return &Flows{m: m, complete: complete, Expiry: 5 * time.Minute, Home: os.UserHomeDir, sessions: map[string]*session{}}
}

type session struct {
	mu       sync.Mutex
	view     FlowView
	p        *Provider
	relogin  int64
	verifier string
	state    string
	redirect string
	ctx      context.Context
	cancel   context.CancelFunc
	srv      *http.Server
	doneAt   time.Time
}

func (s *session) snapshot() FlowView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.view
}

func (s *session) set(f func(v *FlowView)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.view.State.Terminal() {
		return
	}
	f(&s.view)
	if s.view.State.Terminal() {
		s.doneAt = time.Now()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Start begins a flow. Errors that happen before anything is shown (unknown provider, flow not offered, port
// in use, vendor unreachable) are returned directly; later ones end the flow with a message.
func (f *Flows) Start(ctx context.Context, req StartRequest) (FlowView, error) {
	p, ok := f.m.Provider(req.Provider)
	if !ok {
		return FlowView{}, fmt.Errorf("%q has no sign-in (subscription providers: %s)", req.Provider, strings.Join(f.ids(), ", "))
	}
	if req.Flow == "" {
		req.Flow = p.Flows[0]
	}
	if !p.Has(req.Flow) {
		return FlowView{}, fmt.Errorf("%s does not offer the %s sign-in (it offers: %s)", p.Name, req.Flow, flowList(p))
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return FlowView{}, errors.New("NineRouter is shutting down")
	}
	f.gcLocked()
	f.mu.Unlock()
	s := &session{p: p, relogin: req.Relogin}
	s.ctx, s.cancel = context.WithTimeout(context.WithoutCancel(ctx), f.Expiry)
	s.view = FlowView{ID: randomHex(12), Provider: p.ID, ProviderName: p.Name, Flow: req.Flow, State: FlowWaiting,
		ExpiresAt: time.Now().Add(f.Expiry).UTC()}
	var err error
	switch req.Flow {
	case FlowBrowser, FlowPaste:
		err = f.startBrowser(s, req.Flow == FlowBrowser)
	case FlowDevice:
		err = f.startDevice(s)
	case FlowImport:
		err = f.runImport(s)
	}
	if err != nil {
		s.cancel()
		return FlowView{}, err
	}
	f.mu.Lock()
	f.sessions[s.view.ID] = s
	f.mu.Unlock()
	return s.snapshot(), nil
}

func (f *Flows) ids() []string {
	var out []string
	for _, p := range f.m.Providers() {
		out = append(out, p.ID)
	}
	return out
}

func flowList(p *Provider) string {
	var out []string
	for _, x := range p.Flows {
		out = append(out, string(x))
	}
	if p.Has(FlowBrowser) {
		out = append(out, string(FlowPaste))
	}
	return strings.Join(out, ", ")
}

// gcLocked forgets flows that ended more than 10 minutes ago.
func (f *Flows) gcLocked() {
	for id, s := range f.sessions {
		s.mu.Lock()
		old := !s.doneAt.IsZero() && time.Since(s.doneAt) > 10*time.Minute
		s.mu.Unlock()
		if old {
			delete(f.sessions, id)
		}
	}
}

// Get reports a flow's state.
func (f *Flows) Get(id string) (FlowView, bool) {
	f.mu.Lock()
	s, ok := f.sessions[id]
	f.mu.Unlock()
	if !ok {
		return FlowView{}, false
	}
	return s.snapshot(), true
}

// ErrNoFlow means no flow has that id (never started, or long finished).
var ErrNoFlow = errors.New("no such sign-in flow (it may have finished more than 10 minutes ago); start again")

// Cancel ends a flow; its listener closes and no account is created.
func (f *Flows) Cancel(id string) (FlowView, error) {
	f.mu.Lock()
	s, ok := f.sessions[id]
	f.mu.Unlock()
	if !ok {
		return FlowView{}, ErrNoFlow
	}
	s.set(func(v *FlowView) { v.State, v.Message = FlowCancelled, "sign-in cancelled" })
	s.cancel()
	return s.snapshot(), nil
}

// Close cancels every flow and waits for their goroutines.
func (f *Flows) Close() {
	f.mu.Lock()
	f.closed = true
	for _, s := range f.sessions {
		s.cancel()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// ---- browser + loopback callback, and paste ----

func (f *Flows) startBrowser(s *session, listen bool) error {
	env := f.m.Env(s.p)
	s.verifier, s.state = oauth2.GenerateVerifier(), randomHex(24)
	redirect := env.URL("redirect")
	if !listen && env.URL("manual_redirect") != "" {
		redirect = env.URL("manual_redirect") // the vendor's page that shows code#state for pasting
	}
	ru, err := url.Parse(redirect)
	if err != nil || ru.Host == "" {
		return fmt.Errorf("%s has no usable redirect address (%q)", s.p.Name, redirect)
	}
	if listen {
		port := ru.Port()
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				return fmt.Errorf("port %s is already in use, and %s only accepts sign-ins that return to it: close the "+
					"program holding it (another sign-in, or the vendor's own CLI logging in) and try again, or sign in "+
					"with --paste and paste the address your browser ends on", port, s.p.Name)
			}
			return fmt.Errorf("listen for the sign-in callback on port %s: %w", port, err)
		}
		ru.Host = ru.Hostname() + ":" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
		mux := http.NewServeMux()
		path := ru.Path
		if path == "" {
			path = "/"
		}
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { f.callback(s, w, r) })
		s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		f.wg.Add(2)
		go func() {
			defer f.wg.Done()
			_ = s.srv.Serve(ln)
		}()
		go func() { // the listener lives exactly as long as the flow
			defer f.wg.Done()
			<-s.ctx.Done()
			f.expire(s)
			shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = s.srv.Shutdown(shut)
		}()
	} else {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			<-s.ctx.Done()
			f.expire(s)
		}()
	}
	s.redirect = ru.String()
	s.view.URL = env.AuthURL(s.state, s.verifier, s.redirect)
	if listen {
		s.view.Message = "Open the address in a browser and approve; NineRouter waits for the browser to come back."
	} else {
		s.view.Message = "Open the address in any browser, approve, then paste the address the browser ends on (or the code it shows)."
	}
	return nil
}

func (f *Flows) expire(s *session) {
	s.set(func(v *FlowView) {
		v.State = FlowExpired
		v.Message = "the sign-in was not finished within " + f.Expiry.String() + " (browser closed?); start it again"
	})
}

const pageDone = `<!doctype html><meta charset="utf-8"><title>NineRouter</title><body style="font:16px system-ui;margin:3em">
<h2>%s</h2><p>%s</p></body>`

func (f *Flows) callback(s *session, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if e := q.Get("error"); e != "" {
		msg := fmt.Sprintf("%s did not grant access (%s %s): start the sign-in again if that was a mistake", s.p.Name, e, q.Get("error_description"))
		s.set(func(v *FlowView) { v.State, v.Message = FlowFailed, msg })
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, pageDone, "Sign-in not completed", html.EscapeString(msg))
		s.cancel()
		return
	}
	code := q.Get("code")
	if code == "" {
		http.Error(w, "no code in this address", http.StatusBadRequest)
		return
	}
	if q.Get("state") != s.state {
		msg := "the browser came back from a different sign-in attempt (state mismatch); nothing was saved: start the sign-in again"
		s.set(func(v *FlowView) { v.State, v.Message = FlowFailed, msg })
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, pageDone, "Sign-in not completed", html.EscapeString(msg))
		s.cancel()
		return
	}
	v, err := f.finishCode(s, code)
	if err != nil {
		s.set(func(v *FlowView) { v.State, v.Message = FlowFailed, err.Error() })
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, pageDone, "Sign-in failed", html.EscapeString(err.Error()))
		s.cancel()
		return
	}
	who := v.Email
	if who == "" {
		who = "your account"
	}
	fmt.Fprintf(w, pageDone, "Signed in to "+html.EscapeString(s.p.Name), "NineRouter is connected to "+html.EscapeString(who)+". You can close this tab.")
	s.cancel()
}

// Submit takes a pasted redirect address, "code#state" or a bare code. A wrong paste leaves the flow waiting so
// the user can paste again; it never creates an account.
func (f *Flows) Submit(id, pasted string) (FlowView, error) {
	f.mu.Lock()
	s, ok := f.sessions[id]
	f.mu.Unlock()
	if !ok {
		return FlowView{}, ErrNoFlow
	}
	if s.verifier == "" {
		return s.snapshot(), errors.New("this sign-in does not take a pasted code")
	}
	if st := s.snapshot().State; st.Terminal() {
		return s.snapshot(), fmt.Errorf("this sign-in has already ended (%s); start it again", st)
	}
	code, state, err := parsePasted(pasted)
	if err != nil {
		return s.snapshot(), err
	}
	if state != "" && state != s.state {
		return s.snapshot(), errors.New("the pasted code belongs to a different sign-in attempt (state mismatch): paste the address from this attempt's browser tab, or start again")
	}
	v, err := f.finishCode(s, code)
	if err == nil {
		s.cancel()
	}
	return v, err
}

func parsePasted(in string) (code, state string, err error) {
	in = strings.TrimSpace(in)
	if in == "" {
		return "", "", errors.New("nothing was pasted: paste the address the browser ended on, or the code it shows")
	}
	if strings.Contains(in, "://") || strings.HasPrefix(in, "?") || strings.Contains(in, "code=") {
		raw := in
		if i := strings.IndexByte(raw, '?'); i >= 0 {
			raw = raw[i+1:]
		}
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			raw = raw[:i]
		}
		q, perr := url.ParseQuery(raw)
		if perr != nil || q.Get("code") == "" {
			if e := q.Get("error"); e != "" {
				return "", "", fmt.Errorf("the address says access was not granted (%s): start the sign-in again", e)
			}
			return "", "", errors.New("the pasted address has no code in it: paste the whole address from the browser's address bar after approving")
		}
		return q.Get("code"), q.Get("state"), nil
	}
	code, state, _ = strings.Cut(in, "#")
	if code == "" || strings.ContainsAny(code, " \t\n") {
		return "", "", errors.New("that does not look like a sign-in code: paste the address the browser ended on, or the code it shows")
	}
	return code, state, nil
}

// finishCode trades the code and creates the account. A refused code leaves a paste flow waiting.
func (f *Flows) finishCode(s *session, code string) (FlowView, error) {
	s.mu.Lock()
	if s.view.State != FlowWaiting {
		st := s.view.State
		s.mu.Unlock()
		return s.snapshot(), fmt.Errorf("this sign-in is %s", st)
	}
	s.view.State, s.view.Message = FlowExchanging, "trading the code for a token"
	s.mu.Unlock()
	env := f.m.Env(s.p)
	resp, err := env.Exchange(s.ctx, code, s.state, s.verifier, s.redirect)
	if err != nil {
		msg := fmt.Sprintf("%s refused the code: %v. The code may be wrong, expired or already used: copy it again from this attempt's browser tab, or start the sign-in again", s.p.Name, err)
		s.mu.Lock()
		s.view.State, s.view.Message = FlowWaiting, msg
		s.mu.Unlock()
		return s.snapshot(), errors.New(msg)
	}
	return f.finishToken(s, resp)
}

// finishToken identifies the account and hands the grant to the service.
func (f *Flows) finishToken(s *session, resp TokenResponse) (FlowView, error) {
	env := f.m.Env(s.p)
	id := Identity{}
	if s.p.Identify != nil {
		var err error
		id, err = s.p.Identify(s.ctx, env, resp)
		if err != nil {
			msg := fmt.Sprintf("signed in, but %s's account details could not be read (%v); nothing was saved: try again", s.p.Name, err)
			s.set(func(v *FlowView) { v.State, v.Message = FlowFailed, msg })
			return s.snapshot(), errors.New(msg)
		}
	}
	return f.finishGrant(s, Grant{Token: resp.Token, Identity: id})
}

func (f *Flows) finishGrant(s *session, g Grant) (FlowView, error) {
	f.m.sensitive(g.Token.secrets()...)
	acct, err := f.complete(s.ctx, s.p, g, s.relogin)
	if err != nil {
		msg := "the account could not be saved: " + err.Error()
		s.set(func(v *FlowView) { v.State, v.Message = FlowFailed, msg })
		return s.snapshot(), errors.New(msg)
	}
	s.set(func(v *FlowView) {
		v.State, v.AccountID, v.Email, v.Plan = FlowDone, acct, g.Identity.Email, g.Identity.Plan
		v.Message = "signed in"
	})
	return s.snapshot(), nil
}

// ---- device authorization ----

func (f *Flows) startDevice(s *session) error {
	env := f.m.Env(s.p)
	var dc DeviceCode
	var poll func(ctx context.Context) (TokenResponse, error)
	if s.p.DeviceStart != nil {
		var err error
		dc, err = s.p.DeviceStart(s.ctx, env)
		if err != nil {
			return fmt.Errorf("start the %s device sign-in: %w", s.p.Name, err)
		}
		poll = func(ctx context.Context) (TokenResponse, error) { return s.p.DevicePoll(ctx, env, dc) }
	} else {
		var da *oauth2.DeviceAuthResponse
		var err error
		dc, da, err = env.Device(s.ctx)
		if err != nil {
			return fmt.Errorf("start the %s device sign-in: %w", s.p.Name, err)
		}
		poll = func(ctx context.Context) (TokenResponse, error) { return env.DeviceToken(ctx, da) }
	}
	s.view.UserCode, s.view.VerificationURI = dc.UserCode, dc.VerificationURI
	s.view.URL = dc.VerificationURI
	if dc.VerificationURIComplete != "" {
		s.view.URL = dc.VerificationURIComplete
	}
	s.view.Message = "Enter the code on the vendor's page and approve; NineRouter waits."
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer s.cancel()
		resp, err := poll(s.ctx)
		if err != nil {
			s.set(func(v *FlowView) { v.State, v.Message = deviceFailure(s.p, err, s.ctx) })
			return
		}
		s.set(func(v *FlowView) { v.State, v.Message = FlowExchanging, "approved; reading the account" })
		_, _ = f.finishToken(s, resp)
	}()
	return nil
}

func deviceFailure(p *Provider, err error, ctx context.Context) (FlowState, string) {
	var ve *VendorError
	if errors.As(err, &ve) {
		switch ve.Code {
		case "access_denied":
			return FlowFailed, "the sign-in was denied on " + p.Name + "'s page; nothing was saved. Start it again to retry"
		case "expired_token":
			return FlowExpired, "the code expired before it was approved; start the sign-in again for a new code"
		}
		return FlowFailed, p.Name + " refused the device sign-in: " + ve.Error() + "; start it again"
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return FlowExpired, "the code was not approved in time; start the sign-in again for a new code"
		}
		return FlowCancelled, "sign-in cancelled"
	}
	return FlowFailed, "the device sign-in failed: " + err.Error()
}

// ---- import of a CLI's own login ----

func (f *Flows) runImport(s *session) error {
	if (s.p.ParseImport == nil && s.p.ParseImportAt == nil) || s.p.ImportPath == "" {
		return fmt.Errorf("%s has no CLI login to import", s.p.Name)
	}
	env := f.m.Env(s.p)
	path := env.Endpoints.URL(s.p.ID, "import_path", "")
	if path == "" {
		home, err := f.Home()
		if err != nil {
			return fmt.Errorf("find the home directory: %w", err)
		}
		path = filepath.Join(home, s.p.ImportPath)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("no %s login to import at %s (%v): sign in with `ninerouter login %s` instead", s.p.Name, path, err, s.p.ID)
	}
	var g Grant
	if s.p.ParseImportAt != nil {
		g, err = s.p.ParseImportAt(path, raw)
	} else {
		g, err = s.p.ParseImport(raw)
	}
	if err != nil {
		return fmt.Errorf("%s is not a %s login NineRouter can read: %w", path, s.p.Name, err)
	}
	// An imported access token may long have expired: renew it first, so the identity can be read with it.
	if !g.Token.Expiry.IsZero() && time.Now().Add(expirySkew).After(g.Token.Expiry) && g.Token.RefreshToken != "" {
		n, err := f.m.renew(s.ctx, s.p, g.Token, g.Identity)
		if err != nil {
			return fmt.Errorf("the %s login at %s could not be renewed (%v): sign in with `ninerouter login %s` instead", s.p.Name, path, err, s.p.ID)
		}
		g.Token = n
	}
	if g.Identity.Email == "" && s.p.Identify != nil {
		id, err := s.p.Identify(s.ctx, env, TokenResponse{Token: g.Token, Raw: map[string]any{"id_token": g.Token.IDToken}})
		switch {
		case err == nil:
			g.Identity = mergeIdentity(g.Identity, id)
		case g.Identity.ExternalID == "":
			// Nothing identifies the account (and providers like Gemini need what Identify discovers).
			return fmt.Errorf("the %s login at %s was read, but the account behind it could not be: %w", s.p.Name, path, err)
		}
	}
	s.view.ImportNote = s.p.ImportNote
	defer s.cancel()
	if _, err := f.finishGrant(s, g); err != nil {
		return err
	}
	return nil
}

func mergeIdentity(a, b Identity) Identity {
	if a.Email == "" {
		a.Email = b.Email
	}
	if a.Plan == "" {
		a.Plan = b.Plan
	}
	if a.ExternalID == "" {
		a.ExternalID = b.ExternalID
	}
	for k, v := range b.Meta {
		if a.Meta == nil {
			a.Meta = map[string]string{}
		}
		if a.Meta[k] == "" {
			a.Meta[k] = v
		}
	}
	return a
}
