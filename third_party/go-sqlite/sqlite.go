// Package sqlite stands in for github.com/glebarez/go-sqlite, the fork of modernc.org/sqlite that gorm's
// pure-Go dialector (github.com/glebarez/sqlite) imports: it gives that dialector the maintained upstream driver
// instead (registered as "sqlite" by modernc.org/sqlite itself). The fork (v1.21) compiles every statement again
// at each execution; the upstream keeps prepared statements, which is what the usage writer needs
// (docs/architecture.md § Storage driver).
package sqlite

import "modernc.org/sqlite"

// Error is the driver's error type; the dialector reads its code to tell constraint violations apart.
type Error = sqlite.Error
