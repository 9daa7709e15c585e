package service

// Subscription accounts (issue 11): sign-in flows, the token vault and the refresher, wired into the router
// core. An account of a subscription provider is an ordinary store.Account row (so combos, priorities and
// cooldowns apply unchanged) plus a store.SignIn row with the non-secret facts; its tokens live only in the
// secret store under oauth.TokenKey(id).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"gorm.io/gorm"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/subscriptions"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// subs is the subscription side of the service.
type subs struct {
	mgr       *oauth.Manager
	flows     *oauth.Flows
	endpoints oauth.Endpoints
}

// openSubscriptions loads NINEROUTER_ENDPOINTS (logged once when in use) and builds the sign-in manager. Its
// refresher starts in startRefresher, once the router exists.
func (s *Service) openSubscriptions(getenv func(string) (string, bool)) error {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	ep, path, err := oauth.LoadEndpoints(getenv)
	if err != nil {
		return err
	}
	if len(ep) > 0 {
		s.log.Warn("provider URLs replaced from "+oauth.EnvEndpoints+" (tests and mock vendors only)", "file", path, "overrides", ep.Summary())
	}
	sb := &subs{endpoints: ep}
	sb.mgr = oauth.NewManager(oauth.Options{Providers: subscriptions.SignIns(), Endpoints: ep, Vault: oauth.Vault{S: s.secrets, NotFound: secret.ErrNotFound},
		Meta: signInMeta{s}, Log: s.log, OnChange: func(int64) { s.Publish(events.KindAccounts, nil) }, Sensitive: s.redact.Add,
		ClusterLock: s.clusterLock()})
	sb.flows = oauth.NewFlows(sb.mgr, s.completeSignIn)
	s.subs = sb
	return nil
}

// startRefresher starts the token refresher; closeSubscriptions ends it.
func (s *Service) startRefresher() { s.subs.mgr.Start() }

// closeSubscriptions cancels open sign-in flows (closing their listeners) and stops the refresher.
func (s *Service) closeSubscriptions() {
	if s.subs == nil {
		return
	}
	s.subs.flows.Close()
	s.subs.mgr.Close()
}

// applyEndpoints points subscription specs at their NINEROUTER_ENDPOINTS "api" override.
func (s *Service) applyEndpoints(specs []*provider.Spec) {
	if s.subs == nil {
		return
	}
	for _, sp := range specs {
		if sp.Auth == provider.AuthOAuth {
			sp.DefaultBaseURL = s.subs.endpoints.URL(sp.ID, "api", sp.DefaultBaseURL)
		}
	}
}

// subscriptionCredential is the credential source of a subscription account (one per account, kept across
// snapshots so its single-flight lock is shared by every request).
func (s *Service) subscriptionCredential(ctx context.Context, a store.Account) provider.CredentialSource {
	var row store.SignIn
	err := s.db.WithContext(ctx).First(&row, a.ID).Error
	acct := oauth.Account{ID: a.ID, Provider: a.Provider}
	if err == nil {
		acct.Identity = identityOf(row)
		acct.State, acct.Message = oauth.State(row.State), row.Message
	} else {
		acct.State, acct.Message = oauth.StateNeedsSignIn, "this account has no sign-in record: sign in again"
	}
	src, err := s.subs.mgr.Source(acct)
	if err != nil {
		return provider.StaticKey("")
	}
	return src
}

func identityOf(r store.SignIn) oauth.Identity {
	id := oauth.Identity{Email: r.Email, Plan: r.Plan, ExternalID: r.ExternalID}
	if r.Meta != "" {
		_ = json.Unmarshal([]byte(r.Meta), &id.Meta)
	}
	return id
}

// signInMeta stores a Source's non-secret state.
type signInMeta struct{ s *Service }

func (m signInMeta) SaveSignIn(account int64, expiry time.Time, state oauth.State, message string) error {
	upd := map[string]any{"state": string(state), "message": message, "updated_at": time.Now().UTC()}
	if !expiry.IsZero() {
		e := expiry.UTC()
		upd["expires_at"] = &e
	}
	return m.s.db.Model(&store.SignIn{}).Where("account_id = ?", account).Updates(upd).Error
}

// completeSignIn turns a successful sign-in into an account: a new one, the relogin one, or the existing
// account of the same vendor account (signing in twice never duplicates). The token is stored inside the
// database transaction, so a failure on either side leaves no half-created account.
func (s *Service) completeSignIn(ctx context.Context, p *oauth.Provider, g oauth.Grant, relogin int64) (int64, error) {
	s.routing.mu.Lock()
	defer s.routing.mu.Unlock()
	db := s.db.WithContext(ctx)
	if relogin == 0 && (g.Identity.ExternalID != "" || g.Identity.Email != "") {
		var existing store.SignIn
		q := db.Where("provider = ?", p.ID)
		if g.Identity.ExternalID != "" {
			q = q.Where("external_id = ?", g.Identity.ExternalID)
		} else {
			q = q.Where("email = ?", g.Identity.Email)
		}
		if q.First(&existing).Error == nil {
			relogin = existing.AccountID
		}
	}
	meta := ""
	if len(g.Identity.Meta) > 0 {
		b, _ := json.Marshal(g.Identity.Meta)
		meta = string(b)
	}
	since := time.Now().UTC() // before the sign-in row's save: a staged token's sweep compares them
	now := time.Now().UTC()
	row := store.SignIn{Provider: p.ID, Email: g.Identity.Email, Plan: g.Identity.Plan, ExternalID: g.Identity.ExternalID,
		Meta: meta, State: string(oauth.StateOK), SignedInAt: now, UpdatedAt: now}
	if !g.Token.Expiry.IsZero() {
		e := g.Token.Expiry.UTC()
		row.ExpiresAt = &e
	}
	// The token is journaled (secretjournal.go): a new account's is written inside the transaction that creates
	// it; an existing account's waits under a staging key until its sign-in row is saved, so a failure or a crash
	// leaves its old token and sign-in, or the new ones.
	vault := s.subs.mgr.Vault()
	var id int64
	var created store.Account
	var staged *stagedSecret
	err := db.Transaction(func(tx *gorm.DB) error {
		if relogin != 0 {
			var a store.Account
			if err := tx.First(&a, relogin).Error; err != nil {
				return fmt.Errorf("%w: account %d", ErrNotFound, relogin)
			}
			if a.Provider != p.ID {
				return fmt.Errorf("%w: account %d is a %s account, not %s", ErrInvalid, relogin, a.Provider, p.ID)
			}
			id = a.ID
			var err error
			if staged, err = s.stageToken(vault, a, g.Token, since); err != nil {
				return err
			}
		} else {
			name := g.Identity.Email
			if name == "" {
				name = p.Name
			}
			a := store.Account{Provider: p.ID, Name: name, Enabled: true, CreatedAt: now, UpdatedAt: now}
			var maxPrio *int
			tx.Model(&store.Account{}).Where("provider = ?", p.ID).Select("MAX(priority)").Scan(&maxPrio)
			a.Priority = 1
			if maxPrio != nil {
				a.Priority = *maxPrio + 1
			}
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
			id, created = a.ID, a
		}
		row.AccountID = id
		if err := tx.Save(&row).Error; err != nil {
			return err
		}
		if staged != nil {
			return nil
		}
		if err := s.beginSecretSet(created, oauth.TokenSlots(id)); err != nil {
			return err
		}
		return vault.Save(id, g.Token)
	})
	var tokenErr error
	switch {
	case staged != nil:
		tokenErr = s.endStaged(staged, err == nil)
	case created.ID != 0:
		s.endSecretSet(id, oauth.TokenSlots(id), err == nil)
	}
	if err != nil {
		return 0, fmt.Errorf("save the %s account: %w", p.Name, err)
	}
	s.subs.mgr.Forget(id) // the next Source reads the new token and state
	if err := s.reload(ctx, events.KindAccounts); err != nil {
		return id, err
	}
	if tokenErr != nil {
		return id, fmt.Errorf("sign in the %s account: %w", p.Name, tokenErr)
	}
	s.routing.router.ResetCooldowns(id)
	s.log.Info("subscription account signed in", "account", id, "provider", p.ID, "email", g.Identity.Email)
	return id, nil
}

// forgetSignIn drops a deleted account's sign-in state (store.Remove deleted its sign-in record, and
// deleteAccountKey its tokens).
func (s *Service) forgetSignIn(id int64) {
	if s.subs == nil {
		return
	}
	s.subs.mgr.Forget(id)
}

// SignInView is a subscription account's sign-in as the views show it (never a token).
type SignInView struct {
	Email     string     `json:"email,omitempty"`
	Plan      string     `json:"plan,omitempty"`
	State     string     `json:"state"` // ok | needs_sign_in | error
	Message   string     `json:"message,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// signInView reads the account's sign-in (nil for API-key accounts). The live state of the account's Source
// wins over the stored one.
func (s *Service) signInView(id int64, providerID string) *SignInView {
	if s.subs == nil {
		return nil
	}
	if _, ok := s.subs.mgr.Provider(providerID); !ok {
		return nil
	}
	var row store.SignIn
	if err := s.db.First(&row, id).Error; err != nil {
		return &SignInView{State: string(oauth.StateNeedsSignIn), Message: "no sign-in record: sign in again"}
	}
	v := &SignInView{Email: row.Email, Plan: row.Plan, State: row.State, Message: row.Message, ExpiresAt: row.ExpiresAt}
	if ra, ok := s.routing.router.Snapshot().ByID[id]; ok {
		if src, ok := ra.Cred.(*oauth.Source); ok {
			st, msg := src.State()
			v.State, v.Message = string(st), msg
		}
	}
	return v
}

// NeedsSignIn is one account the views ask the user to sign in again ("Sign in again: …" in the tray).
type NeedsSignIn struct {
	AccountID int64  `json:"accountId"`
	Provider  string `json:"provider"`
	Name      string `json:"name"`
	Message   string `json:"message"`
}

// AccountsNeedingSignIn lists subscription accounts in the needs-sign-in state.
func (s *Service) AccountsNeedingSignIn(ctx context.Context) []NeedsSignIn {
	if s.subs == nil || s.routing == nil {
		return nil
	}
	var out []NeedsSignIn
	snap := s.routing.router.Snapshot()
	for _, sp := range snap.Registry.All() {
		for _, a := range snap.Accounts[sp.ID] {
			if src, ok := a.Cred.(*oauth.Source); ok {
				if st, msg := src.State(); st == oauth.StateNeedsSignIn {
					out = append(out, NeedsSignIn{AccountID: a.ID, Provider: a.Provider, Name: a.Name, Message: msg})
				}
			}
		}
	}
	return out
}

// ---- sign-in flows (the management API's /api/signin routes) ----

// SignInProvider is one entry of the Connect dialog's list.
type SignInProvider struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Prefix  string   `json:"prefix"`
	Plans   string   `json:"plans"`
	Status  string   `json:"status,omitempty"`
	Risk    string   `json:"risk,omitempty"`
	Flows   []string `json:"flows"`
	Imports string   `json:"importPath,omitempty"`
	// ImportNote is said before an import: refresh-token rotation may sign the vendor's CLI out.
	ImportNote string `json:"importNote,omitempty"`
}

// SignInProviders lists the subscription providers and their flows.
func (s *Service) SignInProviders() []SignInProvider {
	var out []SignInProvider
	snap := s.routing.router.Snapshot()
	for _, sp := range subscriptions.Specs() {
		p, ok := s.subs.mgr.Provider(sp.ID)
		if !ok {
			continue
		}
		v := SignInProvider{ID: p.ID, Name: p.Name, Plans: p.Plans, Status: p.Status, Risk: p.Risk, Imports: p.ImportPath, ImportNote: p.ImportNote}
		if spec, ok := snap.Registry.ByID(p.ID); ok && len(spec.Aliases) > 0 {
			v.Prefix = spec.Aliases[0]
		}
		for _, f := range p.Flows {
			v.Flows = append(v.Flows, string(f))
		}
		if p.Has(oauth.FlowBrowser) {
			v.Flows = append(v.Flows, string(oauth.FlowPaste))
		}
		out = append(out, v)
	}
	return out
}

// StartSignIn starts a flow; provider may be an id or a prefix ("cc", "copilot").
func (s *Service) StartSignIn(ctx context.Context, req oauth.StartRequest) (oauth.FlowView, error) {
	if spec, ok := s.routing.router.Snapshot().Registry.ByPrefix(req.Provider); ok {
		req.Provider = spec.ID
	}
	if req.Relogin != 0 {
		a, ok := s.routing.router.Snapshot().ByID[req.Relogin]
		if !ok {
			return oauth.FlowView{}, fmt.Errorf("%w: account %d", ErrNotFound, req.Relogin)
		}
		if req.Provider == "" {
			req.Provider = a.Provider
		}
		if a.Provider != req.Provider {
			return oauth.FlowView{}, fmt.Errorf("%w: account %d is a %s account", ErrInvalid, req.Relogin, a.Provider)
		}
	}
	v, err := s.subs.flows.Start(ctx, req)
	if err != nil {
		return v, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return v, nil
}

// SignInFlow reports a flow's progress.
func (s *Service) SignInFlow(id string) (oauth.FlowView, error) {
	v, ok := s.subs.flows.Get(id)
	if !ok {
		return v, fmt.Errorf("%w: %v", ErrNotFound, oauth.ErrNoFlow)
	}
	return v, nil
}

// SubmitSignInCode takes a pasted address or code.
func (s *Service) SubmitSignInCode(id, pasted string) (oauth.FlowView, error) {
	v, err := s.subs.flows.Submit(id, pasted)
	switch {
	case errors.Is(err, oauth.ErrNoFlow):
		return v, fmt.Errorf("%w: %v", ErrNotFound, err)
	case err != nil:
		return v, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return v, nil
}

// CancelSignIn ends a flow.
func (s *Service) CancelSignIn(id string) (oauth.FlowView, error) {
	v, err := s.subs.flows.Cancel(id)
	if err != nil {
		return v, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return v, nil
}

// isSubscription reports whether provider signs in.
func (s *Service) isSubscription(providerID string) bool {
	if s.subs == nil {
		return false
	}
	_, ok := s.subs.mgr.Provider(providerID)
	return ok
}
