package service

import (
	"context"
	"fmt"
	"time"

	"github.com/ninerouter/ninerouter/backend/config"
	"github.com/ninerouter/ninerouter/backend/secret"
	"github.com/ninerouter/ninerouter/backend/store"
)

// openStore opens the configured database: the team server's shared PostgreSQL when cfg.Database names one
// (never falling back to the local file when it cannot be reached: docs/team-server.md), else SQLite in the
// data dir.
func openStore(ctx context.Context, cfg config.Config) (*store.DB, error) {
	if cfg.Database == "" {
		return store.Open(ctx, cfg.DataDir)
	}
	db, err := store.OpenPostgres(ctx, cfg.Database)
	if err != nil {
		return nil, fmt.Errorf("%w (NineRouter does not fall back to a local database when --database is given)", err)
	}
	return db, nil
}

// openSealedSecrets keeps a team server's secrets in the shared database, sealed with the instances' common key:
// there is no OS keychain on a server, and every instance must read the tokens another one refreshed.
func openSealedSecrets(ctx context.Context, cfg config.Config, db *store.DB) (secret.Store, error) {
	pass, source, err := secret.PassphraseFrom(cfg.SecretKey, cfg.SecretKeyFile)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, err
	}
	return secret.OpenDatabase(ctx, sqlDB, db.Where, pass, source)
}

// DatabaseStatus says which database the instance uses and whether it answers.
type DatabaseStatus struct {
	Engine string `json:"engine"` // sqlite | postgres
	Where  string `json:"where"`  // the file, or the server without its password
	// Shared is true on a team server: every instance on the same database serves the same state.
	Shared bool `json:"shared"`
	// Reachable is false while the shared database does not answer; requests are then served from the last
	// snapshot and usage rows wait in memory until it returns.
	Reachable bool   `json:"reachable"`
	Problem   string `json:"problem,omitempty"`
}

func (s *Service) databaseStatus(ctx context.Context) DatabaseStatus {
	st := DatabaseStatus{Engine: string(s.db.Dialect()), Where: s.db.Where, Shared: s.db.Dialect() == store.Postgres,
		Reachable: true}
	if st.Shared {
		sqlDB, err := s.db.DB.DB()
		if err == nil {
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err = sqlDB.PingContext(pctx)
			cancel()
		}
		if err != nil {
			st.Reachable, st.Problem = false, err.Error()
		}
	}
	return st
}
