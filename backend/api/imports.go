package api

import (
	"context"
	"net/http"
	"time"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/service"
)

// Imports brings configuration in from 9Router, CLIProxyAPI and encrypted backups (backend/service/imports.go).
type Imports interface {
	ImportSources(ctx context.Context) []service.ImportSource
	PreviewImportFrom(ctx context.Context, req service.ImportRequest) (importer.Preview, error)
	ApplyImportFrom(ctx context.Context, req service.ImportRequest) (importer.Preview, error)
	ExportBackup(ctx context.Context, passphrase string) ([]byte, error)
	SyncStatus(ctx context.Context) (service.SyncStatus, error)
	SetSync(ctx context.Context, folder, passphrase string) (service.SyncStatus, error)
	SyncNow(ctx context.Context) (service.SyncStatus, error)
}

// maxImportBody bounds an import request, which may carry a whole encrypted backup.
const maxImportBody = 32 << 20

// importRoutes are the import routes; the window's Import panel and `ninerouter import` use them.
func (s *Server) importRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/import/sources", Access: Manage, Handler: s.importSources},
		{Method: http.MethodPost, Path: "/api/import/preview", Access: Manage, Handler: s.importPreview},
		{Method: http.MethodPost, Path: "/api/import/apply", Access: Manage, Handler: s.importApply},
		{Method: http.MethodPost, Path: "/api/backup/export", Access: Manage, Handler: s.exportBackup},
		{Method: http.MethodGet, Path: "/api/sync", Access: Manage, Handler: s.syncStatus},
		{Method: http.MethodPut, Path: "/api/sync", Access: Manage, Handler: s.setSync},
		{Method: http.MethodPost, Path: "/api/sync/now", Access: Manage, Handler: s.syncNow},
	}
}

// importSources answers [{source, name, path, found, offer}]: the peers' configurations found on this machine
// (offer is set on a first launch).
func (s *Server) importSources(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.ImportSources(r.Context()))
}

// importPreview takes {source, path?, data?, passphrase?} and answers what would be added, merged and skipped.
func (s *Server) importPreview(w http.ResponseWriter, r *http.Request) {
	var req service.ImportRequest
	if !s.decodeLarge(w, r, &req, maxImportBody) {
		return
	}
	p, err := s.svc.PreviewImportFrom(r.Context(), req)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// importApply takes the same body and answers the report of what was imported.
func (s *Server) importApply(w http.ResponseWriter, r *http.Request) {
	var req service.ImportRequest
	if !s.decodeLarge(w, r, &req, maxImportBody) {
		return
	}
	p, err := s.svc.ApplyImportFrom(r.Context(), req)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// exportBackup takes {passphrase} and answers {name, data}: the encrypted backup file (base64 in JSON), which
// the caller saves (the CLI with an atomic write, the window as a download).
func (s *Server) exportBackup(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Passphrase string `json:"passphrase"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	data, err := s.svc.ExportBackup(r.Context(), body.Passphrase)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, BackupFile{Name: service.BackupFileName(time.Now()), Data: data})
}

// BackupFile is the answer of /api/backup/export.
type BackupFile struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// syncStatus answers {enabled, folder, machine, lastSynced, lastError, peers, conflicts}.
func (s *Server) syncStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.SyncStatus(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// setSync takes {folder, passphrase}; an empty folder turns sync off.
func (s *Server) setSync(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Folder     string `json:"folder"`
		Passphrase string `json:"passphrase"`
	}
	if !s.decodeManage(w, r, &body) {
		return
	}
	st, err := s.svc.SetSync(r.Context(), body.Folder, body.Passphrase)
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// syncNow runs a round at once and answers the status.
func (s *Server) syncNow(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.SyncNow(r.Context())
	if err != nil {
		s.writeServiceError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
