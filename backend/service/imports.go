package service

// Imports (issue 15): a Bundle read from 9Router, CLIProxyAPI, a backup or a sync snapshot is compared with the
// configuration already here (planImport), shown as a preview, and applied in one transaction (ApplyImport) with
// the secrets written to the secret store inside it. The same validation as the Add*/Set* methods of the
// domain files applies (applyAccountInput, checkURL, compatible.Validate, route.CheckCombo, the settings specs).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/provider"
	"github.com/ninerouter/ninerouter/backend/provider/compatible"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/store"
	"github.com/ninerouter/ninerouter/backend/translate/wire"
)

// ReasonUnsupported is said of an account whose provider this build does not have.
const ReasonUnsupported = "provider not supported by this build yet"

// peerProviderIDs maps peers' provider ids that differ from NineRouter's (9Router and CLIProxyAPI names) to the
// model-string prefix NineRouter knows them by; a provider this build lacks stays unresolved and is skipped.
var peerProviderIDs = map[string]string{
	"gemini-cli":  "gc",
	"antigravity": "ag",
	"kiro":        "kr",
	"kimi-coding": "kmc",
	"copilot":     "gh",
}

// importPlan is a preview plus the rows and secrets applying it writes.
type importPlan struct {
	preview importer.Preview
	rows    store.ImportRows
	// keys and tokens of rows.Accounts, by index
	apiKeys map[int]string
	tokens  map[int]oauth.Token
	// proxyAuth: the proxy address with its credentials, of rows.Accounts by index (proxycred.go)
	proxyAuth map[int]string
	// merged sign-ins: account id → new token
	merged map[int64]oauth.Token
}

// PreviewImport says what importing b would add, merge and skip, without writing anything.
func (s *Service) PreviewImport(ctx context.Context, b *importer.Bundle) (importer.Preview, error) {
	p, err := s.planImport(ctx, b)
	if err != nil {
		return importer.Preview{}, err
	}
	return p.preview, nil
}

// ApplyImport imports b: everything the preview says is added or merged, in one transaction; the returned
// report is the preview with Applied set.
func (s *Service) ApplyImport(ctx context.Context, b *importer.Bundle) (importer.Preview, error) {
	s.routing.mu.Lock()
	p, err := s.planImport(ctx, b)
	if err != nil {
		s.routing.mu.Unlock()
		return importer.Preview{}, err
	}
	// Secrets are journaled (secretjournal.go): a new account's are written inside the transaction, a merged
	// sign-in's token waits under a staging key until its sign-in row is saved; whatever the transaction's fate
	// (or a crash), no secret outlives a row that was never saved and no account loses the secret it had.
	vault := s.subs.mgr.Vault()
	since := time.Now().UTC() // before the sign-in rows' save: a staged token's sweep compares them
	var staged []*stagedSecret
	for id, tok := range p.merged {
		a, err := s.db.Account(ctx, id)
		if err == nil {
			var st *stagedSecret
			if st, err = s.stageToken(vault, a, tok, since); err == nil {
				staged = append(staged, st)
			}
		}
		if err != nil {
			for _, st := range staged {
				_ = s.endStaged(st, false)
			}
			s.routing.mu.Unlock()
			return importer.Preview{}, fmt.Errorf("import: nothing was imported: the sign-in of account %d: %w", id, err)
		}
	}
	type newSecrets struct {
		id   int64
		keys []string
	}
	var written []newSecrets
	err = s.db.Import(ctx, &p.rows, func(rows *store.ImportRows) error {
		for i := range rows.Accounts {
			a := rows.Accounts[i].Account
			if key, ok := p.apiKeys[i]; ok {
				keys := []string{store.AccountSecretKey(a.ID)}
				if err := s.beginSecretSet(a, keys); err != nil {
					return err
				}
				written = append(written, newSecrets{a.ID, keys})
				if err := s.secrets.Set(keys[0], key); err != nil {
					return fmt.Errorf("store the key of %s: %w", a.Name, err)
				}
			}
			if tok, ok := p.tokens[i]; ok {
				keys := oauth.TokenSlots(a.ID)
				if err := s.beginSecretSet(a, keys); err != nil {
					return err
				}
				written = append(written, newSecrets{a.ID, keys})
				if err := vault.Save(a.ID, tok); err != nil {
					return fmt.Errorf("store the sign-in of %s: %w", a.Name, err)
				}
			}
			if withAuth, ok := p.proxyAuth[i]; ok {
				keys := []string{proxyAuthKey(a.ID)}
				if err := s.beginSecretSet(a, keys); err != nil {
					return err
				}
				written = append(written, newSecrets{a.ID, keys})
				if err := s.setProxyAuth(a, withAuth); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for _, w := range written {
		s.endSecretSet(w.id, w.keys, err == nil)
	}
	var tokenErrs []error
	for _, st := range staged {
		tokenErrs = append(tokenErrs, s.endStaged(st, err == nil))
	}
	if err != nil {
		s.routing.mu.Unlock()
		return importer.Preview{}, fmt.Errorf("import: nothing was imported: %w", err)
	}
	for id := range p.merged {
		s.subs.mgr.Forget(id)
	}
	err = s.reload(ctx, events.KindAccounts, events.KindCombos)
	s.routing.mu.Unlock()
	if err != nil {
		return importer.Preview{}, err
	}
	errs := tokenErrs
	if len(p.rows.ClientKeys) > 0 {
		errs = append(errs, s.routing.keys.Reload(ctx))
		s.Publish(events.KindKeys, nil)
	}
	if len(p.rows.Prices) > 0 {
		errs = append(errs, s.routing.usage.Prices().Reload(ctx))
	}
	if len(p.rows.Settings) > 0 {
		s.loadRequireAPIKey(ctx)
		s.refreshSettings(ctx)
		s.Publish(events.KindSettings, nil)
	}
	p.preview.Applied = true
	s.log.Info("configuration imported", "source", b.Source, "added", p.preview.Counts[importer.ActionAdd],
		"merged", p.preview.Counts[importer.ActionMerge], "skipped", p.preview.Counts[importer.ActionSkip])
	return p.preview, errors.Join(errs...)
}

// planImport compares b with the configuration here.
func (s *Service) planImport(ctx context.Context, b *importer.Bundle) (*importPlan, error) {
	st, err := s.db.ReadImportState(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	snap := s.routing.router.Snapshot()
	p := &importPlan{apiKeys: map[int]string{}, tokens: map[int]oauth.Token{}, proxyAuth: map[int]string{}, merged: map[int64]oauth.Token{},
		preview: importer.Preview{Source: b.Source, Origin: b.Origin, Format: b.Format, Notes: b.Notes}}
	item := func(kind, name string, a importer.Action, detail, reason string) {
		p.preview.Items = append(p.preview.Items, importer.Item{Kind: kind, Name: name, Action: a, Detail: detail, Reason: reason})
	}
	for _, sk := range b.Skipped {
		item(sk.Kind, sk.Name, importer.ActionSkip, "", sk.Reason)
	}
	now := time.Now().UTC()

	// Nodes. A node whose prefix exists with the same URL and format is already here: its accounts join it.
	existingNodes := map[string]store.Node{}
	for _, n := range st.Nodes {
		existingNodes[n.Prefix] = n
	}
	var newSpecs []*provider.Spec
	usableNodes := map[string]bool{}
	for _, n := range b.Nodes {
		cn := compatible.Node{Prefix: strings.ToLower(strings.TrimSpace(n.Prefix)), Name: n.Name, Format: wire.Format(n.Format), BaseURL: strings.TrimSpace(n.BaseURL)}
		name := cn.Prefix
		if n.Name != "" {
			name = n.Name + " (" + cn.Prefix + ")"
		}
		if err := compatible.Validate(cn); err != nil {
			item("node", name, importer.ActionSkip, "", err.Error())
			continue
		}
		if err := checkURL(cn.BaseURL); err != nil {
			item("node", name, importer.ActionSkip, "", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
			continue
		}
		if ex, ok := existingNodes[cn.Prefix]; ok {
			if ex.BaseURL == cn.BaseURL && ex.Format == string(cn.Format) {
				item("node", name, importer.ActionSkip, "", "already configured (same prefix, format and URL)")
				usableNodes[cn.Prefix] = true
			} else {
				item("node", name, importer.ActionSkip, "", fmt.Sprintf("the prefix %q is already used by node %q at %s", cn.Prefix, ex.Name, ex.BaseURL))
			}
			continue
		}
		if _, taken := snap.Registry.ByPrefix(cn.Prefix); taken || usableNodes[cn.Prefix] {
			item("node", name, importer.ActionSkip, "", fmt.Sprintf("the prefix %q is already used by a provider or node", cn.Prefix))
			continue
		}
		usableNodes[cn.Prefix] = true
		p.rows.Nodes = append(p.rows.Nodes, store.Node{Prefix: cn.Prefix, Name: cn.Name, Format: string(cn.Format), BaseURL: cn.BaseURL, CreatedAt: now, UpdatedAt: now})
		newSpecs = append(newSpecs, compatible.Spec(cn))
		item("node", name, importer.ActionAdd, fmt.Sprintf("%s at %s", cn.Format, cn.BaseURL), "")
	}
	reg, err := snap.Registry.With(newSpecs...)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}

	// Accounts: duplicates by key fingerprint, or by provider and vendor account (email or id).
	keyOwner := map[string]string{}
	for id, ra := range snap.ByID {
		if k, ok := ra.Cred.(provider.StaticKey); ok && k != "" {
			keyOwner[importer.Fingerprint(string(k))] = fmt.Sprintf("account #%d (%s)", id, ra.Name)
		}
	}
	signIns := st.SignIns
	nextPrio := map[string]int{}
	for _, a := range st.Accounts {
		nextPrio[a.Provider] = max(nextPrio[a.Provider], a.Priority+1)
	}
	for _, in := range b.Accounts {
		name := in.Name
		spec, ok := resolveProvider(reg, in.Provider)
		switch {
		case !ok:
			item("account", name, importer.ActionSkip, "", fmt.Sprintf("%s (%s)", ReasonUnsupported, in.Provider))
			continue
		case spec.Node && !usableNodes[spec.ID]:
			item("account", name, importer.ActionSkip, "", fmt.Sprintf("its node %q was not imported", spec.ID))
			continue
		}
		name = spec.ID + ": " + in.Name
		if in.OAuth != nil {
			if spec.Auth != provider.AuthOAuth || !s.isSubscription(spec.ID) {
				item("account", name, importer.ActionSkip, "", fmt.Sprintf("%s takes an API key, not a sign-in", spec.Name))
				continue
			}
			o := in.OAuth
			tok := oauth.Token{AccessToken: o.AccessToken, RefreshToken: o.RefreshToken, IDToken: o.IDToken, Expiry: o.Expiry.UTC(), Issued: now, Extra: o.Extra}
			signIn := store.SignIn{Provider: spec.ID, Email: o.Email, Plan: o.Plan, ExternalID: o.ExternalID,
				Meta: encodeMeta(o.Meta), State: string(oauth.StateOK), SignedInAt: now, UpdatedAt: now}
			if !o.Expiry.IsZero() {
				e := o.Expiry.UTC()
				signIn.ExpiresAt = &e
			}
			idx := matchSignIn(signIns, spec.ID, o)
			if idx < 0 {
				idx = s.matchToken(signIns, spec.ID, o, p.tokens, p.rows.Accounts)
			}
			if idx == -2 {
				item("account", name, importer.ActionSkip, "", "the same sign-in appears twice in the import")
				continue
			}
			if idx >= 0 {
				ex := signIns[idx]
				if _, dup := p.merged[ex.AccountID]; dup {
					item("account", name, importer.ActionSkip, "", "the same vendor account appears twice in the import")
					continue
				}
				signIn.AccountID, signIn.SignedInAt = ex.AccountID, ex.SignedInAt
				p.rows.SignIns = append(p.rows.SignIns, signIn)
				p.merged[ex.AccountID] = tok
				item("account", name, importer.ActionMerge, who(o), fmt.Sprintf("signs in account #%d again with the imported tokens", ex.AccountID))
				continue
			}
			row, err := importAccountRow(in, spec, now, nextPrio, keepsExactModels(b))
			if err != nil {
				item("account", name, importer.ActionSkip, "", err.Error())
				continue
			}
			p.tokens[len(p.rows.Accounts)] = tok
			p.addProxyAuth(in)
			sc := signIn
			p.rows.Accounts = append(p.rows.Accounts, store.ImportAccount{Account: row, SignIn: &sc})
			signIns = append(signIns, signIn) // a second login of the same vendor account in the import is a duplicate
			detail := "subscription sign-in " + who(o)
			if o.RefreshToken == "" && !o.Expiry.IsZero() {
				detail += " (no refresh token)"
			}
			item("account", name, importer.ActionAdd, detail, "")
			continue
		}
		if spec.Auth == provider.AuthOAuth {
			item("account", name, importer.ActionSkip, "", fmt.Sprintf("%s accounts sign in; an API key cannot be used", spec.Name))
			continue
		}
		key := strings.TrimSpace(in.APIKey)
		if key == "" {
			item("account", name, importer.ActionSkip, "", "no API key")
			continue
		}
		fp := importer.Fingerprint(key)
		if owner, dup := keyOwner[fp]; dup {
			item("account", name, importer.ActionSkip, "", "the same key is already on "+owner)
			continue
		}
		row, err := importAccountRow(in, spec, now, nextPrio, keepsExactModels(b))
		if err != nil {
			item("account", name, importer.ActionSkip, "", err.Error())
			continue
		}
		keyOwner[fp] = "the imported account " + in.Name
		p.apiKeys[len(p.rows.Accounts)] = key
		withAuth := p.addProxyAuth(in)
		p.rows.Accounts = append(p.rows.Accounts, store.ImportAccount{Account: row})
		detail := "key " + importer.Hint(key)
		if row.ProxyURL != "" {
			detail += ", proxy " + shownProxyURL(row.ProxyURL)
		}
		if withAuth != "" {
			detail += " (its credentials to the secret store)"
		}
		if row.BaseURL != "" {
			detail += ", base URL " + row.BaseURL
		}
		item("account", name, importer.ActionAdd, detail, "")
	}

	// Combos and aliases are checked together against a trial snapshot that has the new nodes, combos and
	// aliases, so that they may refer to each other.
	trial := *snap
	trial.Registry = reg
	trial.Combos = map[string]*route.Combo{}
	for k, v := range snap.Combos {
		trial.Combos[k] = v
	}
	trial.Aliases = map[string]string{}
	for k, v := range snap.Aliases {
		trial.Aliases[k] = v
	}
	var combos []route.Combo
	for _, c := range b.Combos {
		rc := route.Combo{Name: strings.TrimSpace(c.Name), Strategy: c.Strategy}
		if rc.Strategy == "" {
			rc.Strategy = route.ComboFallback
		}
		var dropped []string
		for _, e := range c.Entries {
			ce := route.ComboEntry{Model: strings.TrimSpace(e.Model), DailyUSD: e.DailyUSD, MonthlyUSD: e.MonthlyUSD}
			if pre, _, ok := strings.Cut(ce.Model, "/"); ok {
				if _, known := reg.ByPrefix(pre); !known {
					dropped = append(dropped, ce.Model)
					continue
				}
			}
			rc.Entries = append(rc.Entries, ce)
		}
		if ex, ok := snap.Combos[rc.Name]; ok {
			if slices.Equal(ex.Entries, rc.Entries) {
				item("combo", rc.Name, importer.ActionSkip, "", "already configured")
			} else {
				item("combo", rc.Name, importer.ActionSkip, "", "a combo of that name exists (rename one to import it)")
			}
			continue
		}
		if len(rc.Entries) == 0 {
			item("combo", rc.Name, importer.ActionSkip, "", "none of its models has a provider here ("+strings.Join(dropped, ", ")+")")
			continue
		}
		if len(dropped) > 0 {
			p.preview.Notes = append(p.preview.Notes, importer.Skip{Kind: "combo", Name: rc.Name,
				Reason: "entries without a provider here are left out: " + strings.Join(dropped, ", ")})
		}
		cc := rc
		trial.Combos[rc.Name] = &cc
		combos = append(combos, rc)
	}
	var aliases []importer.Alias
	for _, a := range b.Aliases {
		a.Name, a.Target = strings.TrimSpace(a.Name), strings.TrimSpace(a.Target)
		if a.Name == "" || strings.ContainsAny(a.Name, "/ \t") {
			item("alias", a.Name, importer.ActionSkip, "", "an alias name has no '/' or spaces")
			continue
		}
		if t, ok := snap.Aliases[a.Name]; ok {
			if t == a.Target {
				item("alias", a.Name, importer.ActionSkip, "", "already configured")
			} else {
				item("alias", a.Name, importer.ActionSkip, "", "an alias of that name exists for "+t)
			}
			continue
		}
		if _, ok := trial.Combos[a.Name]; ok {
			item("alias", a.Name, importer.ActionSkip, "", "a combo has that name")
			continue
		}
		if t, ok := trial.Aliases[a.Name]; ok {
			item("alias", a.Name, importer.ActionSkip, "", "the import names this alias twice; the first ("+t+") is kept")
			continue
		}
		trial.Aliases[a.Name] = a.Target
		aliases = append(aliases, a)
	}
	for _, c := range combos {
		if err := route.CheckCombo(&trial, c); err != nil {
			item("combo", c.Name, importer.ActionSkip, "", err.Error())
			delete(trial.Combos, c.Name)
			continue
		}
		models := make([]string, len(c.Entries))
		for i, e := range c.Entries {
			models[i] = e.Model
		}
		p.rows.Combos = append(p.rows.Combos, store.Combo{Name: c.Name, Strategy: c.Strategy, Entries: mustJSON(c.Entries), CreatedAt: now, UpdatedAt: now})
		item("combo", c.Name, importer.ActionAdd, c.Strategy+": "+strings.Join(models, ", "), "")
	}
	for _, a := range aliases {
		if _, err := route.Resolve(&trial, a.Name, nil); err != nil {
			item("alias", a.Name, importer.ActionSkip, "", err.Error())
			continue
		}
		p.rows.Aliases = append(p.rows.Aliases, store.ModelAlias{Name: a.Name, Target: a.Target, UpdatedAt: now})
		item("alias", a.Name, importer.ActionAdd, "→ "+a.Target, "")
	}

	// Client keys keep working: the key's hash is what NineRouter stores.
	hashes := map[string]string{}
	for _, k := range st.ClientKeys {
		hashes[k.Hash] = k.Name
	}
	for _, k := range b.ClientKeys {
		hash := strings.ToLower(k.Hash)
		if k.Key != "" {
			hash = importer.Fingerprint(k.Key)
		}
		if len(hash) != 64 {
			item("key", k.Name, importer.ActionSkip, "", "no key")
			continue
		}
		if owner, dup := hashes[hash]; dup {
			item("key", k.Name, importer.ActionSkip, "", fmt.Sprintf("already here (as %q)", owner))
			continue
		}
		hashes[hash] = k.Name
		hint := k.Hint
		if hint == "" && k.Key != "" {
			hint = importer.Hint(k.Key)
		}
		created := k.CreatedAt
		if created.IsZero() {
			created = now
		}
		p.rows.ClientKeys = append(p.rows.ClientKeys, store.ClientKey{Name: k.Name, Hint: hint, Hash: hash, CreatedAt: created, RevokedAt: k.RevokedAt})
		detail := hint
		if k.RevokedAt != nil {
			detail += " (revoked)"
		}
		item("key", k.Name, importer.ActionAdd, detail, "")
	}

	// Price overrides replace the same provider and model's.
	prices := map[string]store.Price{}
	for _, pr := range st.Prices {
		prices[pr.Provider+"\x00"+pr.Model] = pr
	}
	for _, pr := range b.Prices {
		prov := pr.Provider
		if spec, ok := resolveProvider(reg, prov); ok {
			prov = spec.ID
		} else if prov != "" {
			item("price", pr.Provider+"/"+pr.Model, importer.ActionSkip, "", ReasonUnsupported)
			continue
		}
		if pr.Input < 0 || pr.Output < 0 || pr.CacheRead < 0 || pr.CacheWrite < 0 || pr.Model == "" {
			item("price", prov+"/"+pr.Model, importer.ActionSkip, "", "prices cannot be negative and need a model")
			continue
		}
		row := store.Price{Provider: prov, Model: pr.Model, Input: pr.Input, Output: pr.Output, CacheRead: pr.CacheRead, CacheWrite: pr.CacheWrite}
		detail := fmt.Sprintf("in %g, out %g, cached %g per 1M tokens", pr.Input, pr.Output, pr.CacheRead)
		ex, had := prices[prov+"\x00"+pr.Model]
		switch {
		case had && ex.Input == row.Input && ex.Output == row.Output && ex.CacheRead == row.CacheRead && ex.CacheWrite == row.CacheWrite:
			item("price", prov+"/"+pr.Model, importer.ActionSkip, "", "already set")
			continue
		case had:
			item("price", prov+"/"+pr.Model, importer.ActionMerge, detail, "replaces the price set here")
		default:
			item("price", prov+"/"+pr.Model, importer.ActionAdd, detail, "")
		}
		p.rows.Prices = append(p.rows.Prices, row)
	}

	// Settings never overwrite a value set here.
	specs := map[string]SettingSpec{}
	for _, sp := range settingSpecs() {
		specs[sp.Key] = sp
	}
	for _, k := range sortedKeys(b.Settings) {
		v := strings.TrimSpace(b.Settings[k])
		sp, known := specs[k]
		if !known && !strings.HasPrefix(k, settingStrategyPrefix) && k != SettingStickyLimit && k != SettingActiveCombo {
			item("setting", k, importer.ActionSkip, "", "not a setting of this build")
			continue
		}
		if known && sp.validate != nil {
			if err := sp.validate(v); err != nil {
				item("setting", k, importer.ActionSkip, "", err.Error())
				continue
			}
		}
		if cur, ok := st.Settings[k]; ok && cur != "" {
			if cur == v {
				item("setting", k, importer.ActionSkip, "", "already set")
			} else {
				shown := cur
				if k == SettingHTTPProxy || k == SettingHTTPSProxy {
					shown = shownProxyURL(cur)
				}
				item("setting", k, importer.ActionSkip, "", "already set here to "+shown)
			}
			continue
		}
		if p.rows.Settings == nil {
			p.rows.Settings = map[string]string{}
		}
		p.rows.Settings[k] = v
		item("setting", k, importer.ActionAdd, v, "")
	}
	p.preview.Count()
	return p, nil
}

// resolveProvider finds a provider by id, prefix or a peer's name for it.
func resolveProvider(reg *provider.Registry, id string) (*provider.Spec, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	if sp, ok := reg.ByID(id); ok {
		return sp, true
	}
	if sp, ok := reg.ByPrefix(id); ok {
		return sp, true
	}
	if alt, ok := peerProviderIDs[id]; ok {
		return reg.ByPrefix(alt)
	}
	return nil, false
}

// matchToken finds a sign-in without identity (9Router's Claude logins keep no email) by its tokens: the
// existing account (index into rows) holding the same refresh or access token, -2 when an account of this very
// import does, else -1.
func (s *Service) matchToken(rows []store.SignIn, providerID string, o *importer.OAuth, planned map[int]oauth.Token, accts []store.ImportAccount) int {
	same := func(t oauth.Token) bool {
		return (o.RefreshToken != "" && t.RefreshToken == o.RefreshToken) || (o.AccessToken != "" && t.AccessToken == o.AccessToken)
	}
	for i, t := range planned {
		if accts[i].Account.Provider == providerID && same(t) {
			return -2
		}
	}
	vault := s.subs.mgr.Vault()
	for i, r := range rows {
		if r.Provider != providerID || r.AccountID == 0 {
			continue
		}
		if t, err := vault.Load(r.AccountID); err == nil && same(t) {
			return i
		}
	}
	return -1
}

// matchSignIn finds the sign-in of the same vendor account: same provider and the same vendor id, or (when
// either has no id) the same email.
func matchSignIn(rows []store.SignIn, providerID string, o *importer.OAuth) int {
	for i, r := range rows {
		if r.Provider != providerID {
			continue
		}
		if o.ExternalID != "" && r.ExternalID != "" {
			if o.ExternalID == r.ExternalID {
				return i
			}
			continue
		}
		if o.Email != "" && strings.EqualFold(o.Email, r.Email) {
			return i
		}
	}
	return -1
}

func who(o *importer.OAuth) string {
	switch {
	case o.Email != "":
		return o.Email
	case o.ExternalID != "":
		return o.ExternalID
	}
	return "(no email)"
}

// addProxyAuth keeps the credentials of the proxy of the account about to be appended to p.rows.Accounts (checked
// by importAccountRow), for the secret store; the answer is what it kept ("" for none).
func (p *importPlan) addProxyAuth(in importer.Account) string {
	_, withAuth := splitProxyURL(strings.TrimSpace(in.ProxyURL))
	if withAuth != "" {
		p.proxyAuth[len(p.rows.Accounts)] = withAuth
	}
	return withAuth
}

// importAccountRow builds the account row with the same checks as AddAccount.
func importAccountRow(in importer.Account, spec *provider.Spec, now time.Time, nextPrio map[string]int, exactModels bool) (store.Account, error) {
	row := store.Account{Provider: spec.ID, Enabled: in.Enabled, CreatedAt: now, UpdatedAt: now, DailyUSD: in.DailyUSD, MonthlyUSD: in.MonthlyUSD}
	name, base, proxy := in.Name, in.BaseURL, in.ProxyURL
	ai := AccountInput{Name: &name, BaseURL: &base, ProxyURL: &proxy}
	if len(in.Models) > 0 {
		models := in.Models
		if !spec.Node && !exactModels {
			// A built-in provider's list replaces its catalogue, so the catalogue stays in front.
			models = append(append([]string(nil), spec.Models...), in.Models...)
			models = slices.Compact(models)
		}
		ai.Models = &models
	}
	if err := applyAccountInput(&row, ai); err != nil {
		return row, errors.New(strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	if row.Name == "" {
		row.Name = spec.Name
	}
	// Priorities follow the source's order, after the accounts already here.
	if nextPrio[spec.ID] == 0 {
		nextPrio[spec.ID] = 1
	}
	row.Priority = nextPrio[spec.ID]
	nextPrio[spec.ID]++
	return row, nil
}

func encodeMeta(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	return mustJSON(m)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and combo entries always marshal
	}
	return string(b)
}
