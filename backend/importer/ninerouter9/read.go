package ninerouter9

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ninerouter/ninerouter/backend/importer"
)

// SchemaVersion is the newest 9Router database schema this reader knows (_meta.schemaVersion).
const SchemaVersion = 1

// maxJSON bounds a db.json or backup file read into memory.
const maxJSON = 64 << 20

// DefaultDir is where 9Router keeps its data: DATA_DIR when set, else ~/.9router.
func DefaultDir(getenv func(string) (string, bool), home string) string {
	if v, ok := getenv("DATA_DIR"); ok && v != "" {
		return v
	}
	return filepath.Join(home, ".9router")
}

// Detect reports whether dir holds a 9Router configuration, and which file would be read.
func Detect(dir string) (file string, ok bool) {
	for _, f := range []string{filepath.Join(dir, "db", "data.sqlite"), filepath.Join(dir, "db.json")} {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			return f, true
		}
	}
	return "", false
}

// Read reads a 9Router data dir, its SQLite database, its db.json, or a backup file.
func Read(ctx context.Context, path string) (*importer.Bundle, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("9Router data at %s: %w", path, err)
	}
	file := path
	if st.IsDir() {
		f, ok := Detect(path)
		if !ok {
			return nil, fmt.Errorf("%s holds no 9Router data (no db/data.sqlite and no db.json)", path)
		}
		file = f
	}
	head := make([]byte, 16)
	fh, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("9Router data: %w", err)
	}
	n, _ := io.ReadFull(fh, head)
	fh.Close()
	if string(head[:n]) == "SQLite format 3\x00" {
		return readSQLite(ctx, file)
	}
	raw, err := readLimited(file)
	if err != nil {
		return nil, err
	}
	return ParseJSON(raw, file)
}

func readLimited(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("9Router data: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxJSON+1))
	if err != nil {
		return nil, fmt.Errorf("9Router data %s: %w", file, err)
	}
	if len(raw) > maxJSON {
		return nil, fmt.Errorf("9Router data %s is larger than %d MiB", file, maxJSON>>20)
	}
	return raw, nil
}

// ParseJSON reads a db.json or a backup file (the same shape).
func ParseJSON(raw []byte, origin string) (*importer.Bundle, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("%s is not a 9Router database or backup (JSON: %v)", origin, err)
	}
	known := 0
	for _, k := range []string{"providerConnections", "providerNodes", "combos", "apiKeys", "settings", "modelAliases"} {
		if _, ok := probe[k]; ok {
			known++
		}
	}
	if known == 0 {
		return nil, fmt.Errorf("%s is not a 9Router database or backup (none of its keys is there)", origin)
	}
	var doc document
	// Field by field, so a key of the wrong shape is skipped without losing the rest.
	var skipped []string
	for key, dst := range map[string]any{
		"settings": &doc.Settings, "providerConnections": &doc.ProviderConnections, "providerNodes": &doc.ProviderNodes,
		"proxyPools": &doc.ProxyPools, "apiKeys": &doc.APIKeys, "combos": &doc.Combos, "modelAliases": &doc.ModelAliases,
		"customModels": &doc.CustomModels, "mitmAlias": &doc.MitmAlias, "pricing": &doc.Pricing, "disabledModels": &doc.DisabledModels,
	} {
		if v, ok := probe[key]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				skipped = append(skipped, key)
			}
		}
	}
	b := convert(doc, origin, "9Router JSON database (db.json or backup)")
	for _, k := range skipped {
		b.Skip("file", k, "has an unexpected shape and was not read")
	}
	return b, nil
}

// readSQLite reads data.sqlite from a private copy: 9Router may be running with the database in WAL mode, and
// its file must never be written (not even a -shm) by us.
func readSQLite(ctx context.Context, file string) (*importer.Bundle, error) {
	tmp, err := os.MkdirTemp("", "ninerouter-import-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	copyPath := filepath.Join(tmp, "data.sqlite")
	if err := copyFile(file, copyPath); err != nil {
		return nil, fmt.Errorf("copy the 9Router database: %w", err)
	}
	if err := copyFile(file+"-wal", copyPath+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("copy the 9Router database's WAL: %w", err)
	}
	gdb, err := gorm.Open(sqlite.Open("file:"+copyPath+"?_pragma=query_only(1)"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("open the 9Router database %s: %w", file, err)
	}
	if sqlDB, err := gdb.DB(); err == nil {
		defer sqlDB.Close()
	}
	db := gdb.WithContext(ctx)
	meta := map[string]string{}
	var metaRows []struct{ Key, Value string }
	if err := db.Raw("SELECT key, value FROM _meta").Scan(&metaRows).Error; err != nil {
		return nil, fmt.Errorf("%s is not a 9Router database (no _meta table): %w", file, err)
	}
	for _, r := range metaRows {
		meta[r.Key] = r.Value
	}
	if v, err := strconv.Atoi(meta["schemaVersion"]); err != nil || v > SchemaVersion {
		return nil, fmt.Errorf("the 9Router database %s has schema version %q, newer than this NineRouter reads (%d): update NineRouter", file, meta["schemaVersion"], SchemaVersion)
	}
	var doc document
	var problems []string
	q := func(table, sql string, into func(map[string]any) error) {
		rows, err := db.Raw(sql).Rows()
		if err != nil {
			problems = append(problems, table)
			return
		}
		defer rows.Close()
		for rows.Next() {
			rec := map[string]any{}
			if err := db.ScanRows(rows, &rec); err != nil {
				problems = append(problems, table)
				return
			}
			if err := into(rec); err != nil {
				problems = append(problems, table)
			}
		}
	}
	// Rows are {...JSON.parse(data), columns} as 9Router reads them; a damaged data column becomes a record with
	// only its columns, which the converter then skips with a reason.
	flat := func(rec map[string]any) json.RawMessage {
		out := map[string]any{}
		if s, ok := rec["data"].(string); ok {
			_ = json.Unmarshal([]byte(s), &out)
		}
		for k, v := range rec {
			if k != "data" {
				out[k] = v
			}
		}
		raw, _ := json.Marshal(out)
		return raw
	}
	q("settings", "SELECT data FROM settings WHERE id = 1", func(r map[string]any) error {
		s, _ := r["data"].(string)
		doc.Settings = json.RawMessage(s)
		if !json.Valid(doc.Settings) {
			doc.Settings = nil
			return errors.New("damaged")
		}
		return nil
	})
	q("providerConnections", "SELECT * FROM providerConnections ORDER BY rowid", func(r map[string]any) error {
		doc.ProviderConnections = append(doc.ProviderConnections, flat(r))
		return nil
	})
	q("providerNodes", "SELECT * FROM providerNodes ORDER BY rowid", func(r map[string]any) error {
		doc.ProviderNodes = append(doc.ProviderNodes, flat(r))
		return nil
	})
	q("proxyPools", "SELECT * FROM proxyPools ORDER BY rowid", func(r map[string]any) error {
		doc.ProxyPools = append(doc.ProxyPools, flat(r))
		return nil
	})
	q("apiKeys", "SELECT * FROM apiKeys ORDER BY rowid", func(r map[string]any) error {
		doc.APIKeys = append(doc.APIKeys, flat(r))
		return nil
	})
	q("combos", "SELECT * FROM combos ORDER BY rowid", func(r map[string]any) error {
		if s, ok := r["models"].(string); ok {
			var m []string
			if json.Unmarshal([]byte(s), &m) == nil {
				r["models"] = m
			}
		}
		doc.Combos = append(doc.Combos, flat(r))
		return nil
	})
	q("kv", "SELECT scope, key, value FROM kv ORDER BY rowid", func(r map[string]any) error {
		scope, _ := r["scope"].(string)
		key, _ := r["key"].(string)
		value, _ := r["value"].(string)
		raw := json.RawMessage(value)
		if !json.Valid(raw) {
			raw, _ = json.Marshal(value)
		}
		switch scope {
		case "modelAliases":
			if doc.ModelAliases == nil {
				doc.ModelAliases = map[string]json.RawMessage{}
			}
			doc.ModelAliases[key] = raw
		case "customModels":
			doc.CustomModels = append(doc.CustomModels, raw)
		case "pricing":
			if doc.Pricing == nil {
				doc.Pricing = map[string]json.RawMessage{}
			}
			doc.Pricing[key] = raw
		case "mitmAlias":
			if doc.MitmAlias == nil {
				doc.MitmAlias = map[string]json.RawMessage{}
			}
			doc.MitmAlias[key] = raw
		case "disabledModels":
			doc.DisabledModels = json.RawMessage(`["some"]`)
		}
		return nil
	})
	format := "9Router SQLite database (schema " + meta["schemaVersion"] + ", app " + meta["appVersion"] + ")"
	b := convert(doc, file, format)
	for _, t := range problems {
		b.Skip("file", t, "the table could not be read completely")
	}
	return b, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
