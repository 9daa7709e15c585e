package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ninerouter/ninerouter/backend/importer"
	"github.com/ninerouter/ninerouter/backend/importer/cliproxyapi"
	"github.com/ninerouter/ninerouter/backend/importer/ninerouter9"
)

// ImportRequest names what to import: a source and its path ("" = where that program keeps it by default).
// Data and Passphrase are for an encrypted backup sent by the caller (the CLI reads the file, the window uploads it).
type ImportRequest struct {
	Source     string `json:"source"`
	Path       string `json:"path,omitempty"`
	Data       []byte `json:"data,omitempty"`
	Passphrase string `json:"passphrase,omitempty"`
}

// ImportSource is a peer's configuration found on this machine.
type ImportSource struct {
	Source string `json:"source"`
	Name   string `json:"name"`
	Path   string `json:"path"`
	Found  bool   `json:"found"`
	// Offer is true on a first launch (nothing configured here yet) when the source was found: the window offers
	// to bring it along.
	Offer bool `json:"offer"`
}

// ImportSources looks for 9Router and CLIProxyAPI configurations where those programs keep them.
func (s *Service) ImportSources(ctx context.Context) []ImportSource {
	fresh := false
	if accts, err := s.db.Accounts(ctx); err == nil && len(accts) == 0 {
		fresh = true
	}
	var out []ImportSource
	for _, src := range []string{importer.Source9Router, importer.SourceCLIProxyAPI} {
		path, found := s.defaultImportPath(src)
		out = append(out, ImportSource{Source: src, Name: sourceName(src), Path: path, Found: found, Offer: found && fresh})
	}
	return out
}

func sourceName(src string) string {
	switch src {
	case importer.Source9Router:
		return "9Router"
	case importer.SourceCLIProxyAPI:
		return "CLIProxyAPI"
	case importer.SourceBackup:
		return "NineRouter backup"
	}
	return src
}

// defaultImportPath is where src keeps its configuration on this machine, and whether it is there.
func (s *Service) defaultImportPath(src string) (string, bool) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", false
	}
	switch src {
	case importer.Source9Router:
		dir := ninerouter9.DefaultDir(os.LookupEnv, home)
		_, ok := ninerouter9.Detect(dir)
		return dir, ok
	case importer.SourceCLIProxyAPI:
		return cliproxyapi.DefaultConfig(home)
	}
	return "", false
}

// readImport reads the bundle a request names.
func (s *Service) readImport(ctx context.Context, req ImportRequest) (*importer.Bundle, error) {
	if req.Source == importer.SourceBackup {
		return openBackup(req)
	}
	path := req.Path
	if path == "" {
		p, found := s.defaultImportPath(req.Source)
		if !found {
			return nil, fmt.Errorf("%w: no %s configuration was found on this machine%s; name its folder or file", ErrInvalid, sourceName(req.Source), at(p))
		}
		path = p
	}
	if path != "" {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
	}
	var (
		b   *importer.Bundle
		err error
	)
	switch req.Source {
	case importer.Source9Router:
		b, err = ninerouter9.Read(ctx, path)
	case importer.SourceCLIProxyAPI:
		b, err = cliproxyapi.Read(ctx, path)
	default:
		return nil, fmt.Errorf("%w: unknown import source %q (want 9router, cliproxyapi or backup)", ErrInvalid, req.Source)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return b, nil
}

func at(p string) string {
	if p == "" {
		return ""
	}
	return " (looked in " + p + ")"
}

// PreviewImportFrom reads the named source and says what importing it would do.
func (s *Service) PreviewImportFrom(ctx context.Context, req ImportRequest) (importer.Preview, error) {
	b, err := s.readImport(ctx, req)
	if err != nil {
		return importer.Preview{}, err
	}
	return s.PreviewImport(ctx, b)
}

// ApplyImportFrom reads the named source and imports it.
func (s *Service) ApplyImportFrom(ctx context.Context, req ImportRequest) (importer.Preview, error) {
	b, err := s.readImport(ctx, req)
	if err != nil {
		return importer.Preview{}, err
	}
	return s.ApplyImport(ctx, b)
}
