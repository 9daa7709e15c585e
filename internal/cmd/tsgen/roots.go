package main

import (
	"github.com/ninerouter/ninerouter/backend/api"
	"github.com/ninerouter/ninerouter/backend/autostart"
	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/keys"
	"github.com/ninerouter/ninerouter/backend/oauth"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/service"
	"github.com/ninerouter/ninerouter/backend/update"
	"github.com/ninerouter/ninerouter/backend/usage"
	"github.com/ninerouter/ninerouter/backend/version"
)

// roots are the types the management API writes, in the order frontend/src/lib/types.ts declares them; the
// struct types they reach are declared after them. A new endpoint's answer: add its type here and run
// `make types`. Name a type with Named when its Go name would clash or says too little in the frontend.
var roots = []Root{
	RootOf[service.Status]("GET /api/status"),
	Named[version.Info]("VersionInfo", "part of Status"),
	RootOf[api.AuthState]("GET /api/auth/state"),
	Named[usage.Report]("UsageReport", "GET /api/usage"),
	Named[usage.Totals]("UsageTotals", "the report's total"),
	Named[usage.Bucket]("UsageBucket", "one bar of the report's chart"),
	Named[usage.Group]("UsageGroup", "one row of the report's breakdowns"),
	RootOf[api.CombosPage]("GET /api/combos"),
	RootOf[api.Combo]("one combo of GET /api/combos"),
	RootOf[route.ComboEntry]("a combo entry as PUT /api/combos/{name} takes it"),
	RootOf[service.Reference]("409 in_use: error.references"),
	RootOf[service.ServingView]("GET /api/serving"),
	RootOf[api.TestRequestResult]("POST /api/test-request"),
	Named[keys.Key]("ClientKey", "GET /api/keys; the key itself is shown once, on creation"),
	RootOf[api.CreatedKey]("POST /api/keys"),
	RootOf[service.SettingView]("GET /api/settings"),
	RootOf[service.ProviderInfo]("GET /api/providers"),
	RootOf[service.AccountView]("GET /api/accounts; the key itself is never returned"),
	Named[service.TestResult]("TestResult", "POST /api/accounts/{id}/test"),
	RootOf[service.NodeView]("GET /api/nodes"),
	Named[usage.Record]("UsageRecord", "GET /api/usage/records: one upstream attempt (Go field names)"),
	RootOf[api.ToolList]("GET /api/tools"),
	RootOf[clitool.ToolState]("one tool of GET /api/tools"),
	Named[clitool.Detection]("ToolDetection", "part of ToolState"),
	Named[clitool.State]("ToolConfigState", "part of ToolState"),
	Named[clitool.FileState]("ToolFile", "part of ToolState"),
	Named[clitool.Applied]("ToolApplied", "part of ToolState"),
	Named[clitool.Result]("ToolResult", "POST /api/tools/{tool}/preview, apply, revert, restore"),
	Named[clitool.FileResult]("ToolFileResult", "part of ToolResult"),
	RootOf[api.SnippetList]("GET /api/tools/snippets"),
	Named[clitool.Snippet]("ToolSnippet", "a setup snippet for a tool NineRouter does not configure itself"),
	RootOf[usage.Price]("GET /api/pricing: USD per million tokens; model may end in '*', provider \"\" matches every provider"),
	RootOf[api.RequestLogPage]("GET /api/logs"),
	Named[usage.Entry]("RequestLogEntry", "one entry of GET /api/logs"),
	Named[autostart.Status]("AutostartStatus", "GET and PUT /api/autostart"),
	Named[update.Status]("UpdateStatus", "GET /api/update, POST /api/update/check"),
	RootOf[service.UninstallReport]("POST /api/uninstall"),
	RootOf[service.SignInProvider]("GET /api/signin/providers"),
	Named[oauth.FlowView]("SignInFlow", "POST /api/signin, GET /api/signin/{id}"),
	Named[oauth.Flow]("SignInFlowKind", "part of SignInFlow"),
}
