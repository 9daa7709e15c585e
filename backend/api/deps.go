package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/autostart"
	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/events"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/logging"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/proxy"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/safefile"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/update"
	"github.com/ninerouter/ninerouter/backend/usage"
)

// Backend is everything the HTTP layer asks of the service, one narrow interface per concern. The server holds
// nothing else: no store, router, proxy or key store of its own to reach around the service with.
// *service.Service implements it.
type Backend interface {
	Core
	Authenticator
	ModelAPI
	AccountAdmin
	ComboAdmin
	KeyAdmin
	UsageReader
	SettingsAdmin
	ToolAdmin
	SignIns
	QuotaAdmin
	DesktopAdmin
	Window
	Imports
}

// Window is what the window's first-run path and its silent-loss guards need (guard.go).
type Window interface {
	CreateCombo(ctx context.Context, c route.Combo) (service.ComboView, error)
	CreateAlias(ctx context.Context, name, target string) error
	RemoveCombo(ctx context.Context, name string, cascade bool) error
	RemoveAccount(ctx context.Context, id int64, cascade bool) error
	RemoveNode(ctx context.Context, id int64, cascade bool) error
	ComboProblems() map[string][]service.Problem
	Serving(ctx context.Context) service.ServingView
	TestClientKey(ctx context.Context) (string, error)
}

var _ Backend = (*service.Service)(nil)

// Core is the instance itself: configuration, status and the event stream views redraw from.
type Core interface {
	Config() config.Config
	Logger() *slog.Logger
	Status(ctx context.Context) service.Status
	SetListening(addr string)
	Publish(kind events.Kind, data any)
	Subscribe(ctx context.Context) <-chan events.Event
	RequestLogTail(ctx context.Context, n int) (entries []json.RawMessage, on bool, err error)
	// Redactor masks every secret the service knows; every error the API writes passes it (respond.go).
	Redactor() *logging.Values
}

// Authenticator checks the management credentials: the window and CLI tokens, the dashboard password and its
// sessions.
type Authenticator interface {
	CheckToken(tok string) bool
	CheckSession(id string) bool
	PasswordSet(ctx context.Context) bool
	CheckPassword(ctx context.Context, clientIP, password string) error
	SetPassword(ctx context.Context, password string) error
	Login(ctx context.Context, clientIP, password string) (string, error)
	Logout(id string)
}

// ModelAPI serves /v1 and its shims: client keys, the model list, model requests and token counts.
type ModelAPI interface {
	RequireAPIKey(ctx context.Context) bool
	VerifyKey(secret string) (id int64, ok bool)
	// CheckKeyAccess applies a member key's allowed combos and budgets (service.ErrKeyForbidden, ErrKeyBudget).
	CheckKeyAccess(ctx context.Context, keyID int64, model string) error
	CountRequest()
	Models(ctx context.Context) []service.ModelInfo
	ServeModel(ctx context.Context, w http.ResponseWriter, in proxy.Inbound)
	CountTokens(ctx context.Context, model string, body []byte, header http.Header) (n int, native bool)
}

// AccountAdmin manages providers, nodes and accounts.
type AccountAdmin interface {
	Providers(ctx context.Context) ([]service.ProviderInfo, error)
	SetProviderStrategy(ctx context.Context, providerID string, strategy route.Strategy, stickyLimit int) error
	Accounts(ctx context.Context) ([]service.AccountView, error)
	Account(ctx context.Context, id int64) (service.AccountView, error)
	AddAccount(ctx context.Context, in service.AccountInput) (service.AccountView, error)
	UpdateAccount(ctx context.Context, id int64, in service.AccountInput) (service.AccountView, error)
	DeleteAccount(ctx context.Context, id int64) error
	ResetCooldowns(ctx context.Context, id int64) error
	Cooldowns() []route.Cooldown
	TestAccount(ctx context.Context, id int64, model string) (service.TestResult, error)
	Nodes(ctx context.Context) ([]service.NodeView, error)
	AddNode(ctx context.Context, in service.NodeInput) (service.NodeView, *service.AccountView, error)
	DeleteNode(ctx context.Context, id int64) error
}

// ComboAdmin manages combos, the active combo and model aliases.
type ComboAdmin interface {
	Combos(ctx context.Context) ([]service.ComboView, error)
	SetCombo(ctx context.Context, c route.Combo) (service.ComboView, error)
	DeleteCombo(ctx context.Context, name string) error
	ActiveCombo(ctx context.Context) (string, error)
	ActivateCombo(ctx context.Context, name string) error
	Aliases(ctx context.Context) (map[string]string, error)
	SetAlias(ctx context.Context, name, target string) error
	DeleteAlias(ctx context.Context, name string) error
}

// KeyAdmin manages client API keys.
type KeyAdmin interface {
	CreateKey(ctx context.Context, name string) (string, keys.Key, error)
	ListKeys(ctx context.Context) ([]keys.Key, error)
	RevokeKey(ctx context.Context, id int64) (keys.Key, error)
	SetKeyLimits(ctx context.Context, id int64, l keys.Limits) (keys.Key, error)
	ValidKeyLimits(l keys.Limits) error
}

// UsageReader reads the ledger and edits the pricing table.
type UsageReader interface {
	Usage(ctx context.Context, q usage.Query) (usage.Report, error)
	UsageRecords(ctx context.Context, since time.Time, limit int) ([]usage.Record, error)
	PriceList() []usage.Price
	SetPrice(ctx context.Context, p usage.Price) error
	DeletePrice(ctx context.Context, providerID, model string) error
}

// SettingsAdmin reads and changes user settings.
type SettingsAdmin interface {
	Settings(ctx context.Context) ([]service.SettingView, error)
	UpdateSettings(ctx context.Context, changes map[string]string) error
}

// SignIns runs subscription sign-ins (OAuth flows) for the accounts page and `ninerouter login`.
type SignIns interface {
	SignInProviders() []service.SignInProvider
	StartSignIn(ctx context.Context, req oauth.StartRequest) (oauth.FlowView, error)
	SignInFlow(id string) (oauth.FlowView, error)
	SubmitSignInCode(id, pasted string) (oauth.FlowView, error)
	CancelSignIn(id string) (oauth.FlowView, error)
}

// DesktopAdmin is "this computer": start at login, updates, the keychain unlock prompt and uninstalling.
type DesktopAdmin interface {
	Autostart() (autostart.Status, error)
	SetAutostart(on bool) (autostart.Status, error)
	UpdateStatus() (update.Status, error)
	CheckForUpdate(ctx context.Context) (update.Status, error)
	SecretsWaiting() string
	UnlockSecrets()
	Uninstall(ctx context.Context, opt service.UninstallOptions) service.UninstallReport
}

// ToolAdmin points coding CLIs at NineRouter and takes them back out.
type ToolAdmin interface {
	ToolOrigin() string
	ToolStates(ctx context.Context, home string, detect bool) []clitool.ToolState
	ToolStatus(ctx context.Context, id, home string) (clitool.ToolState, error)
	PreviewTool(ctx context.Context, id string, opt clitool.ApplyOptions) (clitool.Result, error)
	ApplyTool(ctx context.Context, id string, opt clitool.ApplyOptions) (clitool.Result, error)
	RevertTool(ctx context.Context, id, home string) (clitool.Result, error)
	RestoreTool(ctx context.Context, id, home string) (clitool.Result, error)
	RevertAllTools(ctx context.Context, home string) ([]clitool.Result, error)
	StaleTools(ctx context.Context, home string) []clitool.ToolState
	HealTool(ctx context.Context, id, home string) (clitool.Result, error)
	ToolBackups(ctx context.Context, id, home string) ([]safefile.Entry, error)
	ToolSnippets() []clitool.Snippet
}
