package api

// The management API of the CLI tool auto-config. Every path needs a manager credential (window token, CLI token
// or dashboard session). TOOL is one of claude, codex, openclaw, droid, opencode, gemini, qwen. "home" (query or
// body) replaces the user's home directory (tests, sandboxes); omit it for the real one.
//
//	GET  /api/tools[?home=DIR&detect=false]  {"origin","defaultModel","tools":[ToolState]}
//	GET  /api/tools/stale[?home=DIR]         {"tools":[ToolState]}  configs pointing at a NineRouter that is gone
//	GET  /api/tools/snippets                 {"snippets":[{id,name,where,language,text,notes}]}  Cursor, Cline,
//	                                         Roo, Kilo, Continue, Aider
//	POST /api/tools/revert-all  {"home"?}    {"results":[Result],"error"?}
//	GET  /api/tools/{TOOL}[?home=DIR]        ToolState
//	POST /api/tools/{TOOL}/preview {"model"?,"home"?}  Result with files[].diff: the exact change, nothing written,
//	                                         the key shown as "nr-<new key made on apply>"
//	POST /api/tools/{TOOL}/apply   {"model"?,"home"?}  Result  (model "" = ninerouter/active, the active combo)
//	POST /api/tools/{TOOL}/revert  {"home"?} Result  removes our keys, puts back replaced values, keeps later
//	                                         user edits (listed in "kept")
//	POST /api/tools/{TOOL}/restore {"home"?} Result  puts back the first-seen original files (current ones are
//	                                         backed up first)
//	POST /api/tools/{TOOL}/heal    {"home"?} Result  re-points a stale tool at this NineRouter with a fresh key
//	GET  /api/tools/{TOOL}/backups[?home=DIR] {"backups":[{originalPath,tool,sha256,missing,reason,createdAt,file}]}
//
// ToolState: {"id","name","detection":{"installed","path","version","configOnly"},"state":"not-configured"|
// "configured"|"elsewhere"|"stale"|"error","detail","baseUrl","model","files":[{"path","format","role","exists"}],
// "applied":{"at","model","origin","keyId"}|null,"canRevert","canRestore","restart"}
//
// Result: {"tool","action":"apply"|"preview"|"revert"|"restore"|"heal","model","files":[{"path","role","format",
// "existed","changed","removed","backup","diff"}],"kept":[...],"restart","notes":[...]}
//
// Errors use the usual {"error":{"code","message"}}: 400 bad_model; 404 unknown_tool; 409 refused (a file does not parse or
// cannot be edited safely; nothing was written), not_applied, changed (the file changed while we worked; retry);
// 500 otherwise.

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/ninerouter/ninerouter/backend/clitool"
	"github.com/ninerouter/ninerouter/backend/route"
	"github.com/ninerouter/ninerouter/backend/safefile"
)

// toolRoutes is the management API of the CLI tool auto-config.
func (s *Server) toolRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/tools", Handler: s.listTools},
		{Method: http.MethodGet, Path: "/api/tools/stale", Handler: s.staleTools},
		{Method: http.MethodGet, Path: "/api/tools/snippets", Handler: s.toolSnippets},
		{Method: http.MethodPost, Path: "/api/tools/revert-all", Handler: s.revertAllTools},
		{Method: http.MethodGet, Path: "/api/tools/{tool}", Handler: s.toolStatus},
		{Method: http.MethodPost, Path: "/api/tools/{tool}/preview", Handler: s.toolAction("preview")},
		{Method: http.MethodPost, Path: "/api/tools/{tool}/apply", Handler: s.toolAction("apply")},
		{Method: http.MethodPost, Path: "/api/tools/{tool}/revert", Handler: s.toolAction("revert")},
		{Method: http.MethodPost, Path: "/api/tools/{tool}/restore", Handler: s.toolAction("restore")},
		{Method: http.MethodPost, Path: "/api/tools/{tool}/heal", Handler: s.toolAction("heal")},
		{Method: http.MethodGet, Path: "/api/tools/{tool}/backups", Handler: s.toolBackups},
	}
}

type toolBody struct {
	Model string `json:"model,omitempty"`
	Home  string `json:"home,omitempty"`
}

func (s *Server) writeToolError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, clitool.ErrUnknownTool):
		s.writeError(w, http.StatusNotFound, "unknown_tool", err.Error())
	case errors.Is(err, clitool.ErrBadModel):
		s.writeError(w, http.StatusBadRequest, "bad_model", err.Error())
	case errors.Is(err, clitool.ErrRefused):
		s.writeError(w, http.StatusConflict, "refused", err.Error())
	case errors.Is(err, clitool.ErrNotApplied):
		s.writeError(w, http.StatusConflict, "not_applied", err.Error())
	case errors.Is(err, safefile.ErrChanged):
		s.writeError(w, http.StatusConflict, "changed", err.Error())
	default:
		s.writeError(w, http.StatusInternalServerError, "tool_error", err.Error())
	}
}

func (s *Server) listTools(w http.ResponseWriter, r *http.Request) {
	tools := s.svc.ToolStates(r.Context(), r.URL.Query().Get("home"), r.URL.Query().Get("detect") != "false")
	writeJSON(w, http.StatusOK, ToolList{Origin: s.svc.ToolOrigin(), DefaultModel: route.ActiveModel, Tools: tools})
}

func (s *Server) staleTools(w http.ResponseWriter, r *http.Request) {
	tools := s.svc.StaleTools(r.Context(), r.URL.Query().Get("home"))
	if tools == nil {
		tools = []clitool.ToolState{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tools": tools})
}

func (s *Server) toolSnippets(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, SnippetList{Snippets: s.svc.ToolSnippets()})
}

func (s *Server) revertAllTools(w http.ResponseWriter, r *http.Request) {
	var body toolBody
	if r.ContentLength != 0 && !s.decodeManage(w, r, &body) {
		return
	}
	res, err := s.svc.RevertAllTools(r.Context(), body.Home)
	if res == nil {
		res = []clitool.Result{}
	}
	out := map[string]any{"results": res}
	if err != nil {
		out["error"] = s.redact(err.Error())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) toolStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.ToolStatus(r.Context(), mux.Vars(r)["tool"], r.URL.Query().Get("home"))
	if err != nil {
		s.writeToolError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) toolAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body toolBody
		if r.ContentLength != 0 && !s.decodeManage(w, r, &body) {
			return
		}
		id := mux.Vars(r)["tool"]
		ctx := r.Context()
		opt := clitool.ApplyOptions{Model: body.Model, Home: body.Home}
		var res clitool.Result
		var err error
		switch action {
		case "preview":
			res, err = s.svc.PreviewTool(ctx, id, opt)
			res.Action = "preview"
		case "apply":
			res, err = s.svc.ApplyTool(ctx, id, opt)
		case "revert":
			res, err = s.svc.RevertTool(ctx, id, body.Home)
		case "restore":
			res, err = s.svc.RestoreTool(ctx, id, body.Home)
		case "heal":
			res, err = s.svc.HealTool(ctx, id, body.Home)
		}
		if err != nil {
			s.writeToolError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *Server) toolBackups(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.ToolBackups(r.Context(), mux.Vars(r)["tool"], r.URL.Query().Get("home"))
	if err != nil {
		s.writeToolError(w, err)
		return
	}
	if list == nil {
		list = []safefile.Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"backups": list})
}
