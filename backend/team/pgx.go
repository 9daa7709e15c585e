package team

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// pgxListen adapts a pgx connection to the listener's needs.
type pgxListen struct{ c *pgx.Conn }

func (p pgxListen) WaitForNotification(ctx context.Context) (string, error) {
	n, err := p.c.WaitForNotification(ctx)
	if err != nil {
		return "", err
	}
	return n.Payload, nil
}

func (p pgxListen) Close(ctx context.Context) error { return p.c.Close(ctx) }
