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

// DeleteNode removes a node and every account of its prefix in one transaction.
func (db *DB) DeleteNode(ctx context.Context, n Node) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("provider = ?", n.Prefix).Delete(&Account{}).Error; err != nil {
			return err
		}
		return tx.Delete(&n).Error
	})
}
