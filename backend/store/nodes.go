package store

import (
	"context"

	"gorm.io/gorm"
)

// Nodes lists custom nodes by id.
func (db *DB) Nodes(ctx context.Context) ([]Node, error) {
	var rows []Node
	err := db.WithContext(ctx).Order("id").Find(&rows).Error
	return rows, err
}

// Node reads one node; a missing one gives gorm.ErrRecordNotFound.
func (db *DB) Node(ctx context.Context, id int64) (Node, error) {
	var row Node
	err := db.WithContext(ctx).First(&row, id).Error
	return row, err
}

// CreateNode inserts a node (its ID is set).
func (db *DB) CreateNode(ctx context.Context, row *Node) error {
	return db.WithContext(ctx).Create(row).Error
}

// CreateNodeWithAccount creates a node and, when acct is non-nil, its first account in one transaction, running
// then (which stores the account's key) inside it: a kill or a failure leaves neither a node without its account
// nor an account without its key (issue #9 finding 5).
func (db *DB) CreateNodeWithAccount(ctx context.Context, node *Node, acct *Account, then func(*Account) error) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(node).Error; err != nil {
			return err
		}
		if acct == nil {
			return nil
		}
		acct.Provider = node.Prefix
		if err := tx.Create(acct).Error; err != nil {
			return err
		}
		return then(acct)
	})
}
