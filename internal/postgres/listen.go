package postgres

import (
	"context"
	"fmt"
	"strings"
)

// notifyChannel is where every publication is announced. The payload names
// the schema, so stores in other schemas of the same database ignore it,
// and the publishing store, so a process is not woken by its own work (it
// already knows).
const notifyChannel = "statgate_publish"

// Listen returns a channel that receives a value soon after any process
// commits a publication to this store's schema (LISTEN/NOTIFY), until ctx
// ends. Wake-ups are coalesced: a slow reader sees one value for many.
func (s *Store) Listen(ctx context.Context) (<-chan struct{}, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	ch := make(chan struct{}, 1)
	go func() {
		defer conn.Release()
		defer close(ch)
		for {
			n, err := conn.Conn().WaitForNotification(ctx)
			if err != nil {
				// ctx ended, or the connection broke: the engine's periodic
				// re-check still covers publications from then on.
				if ctx.Err() == nil {
					conn.Conn().Close(context.Background())
				}
				return
			}
			schema, origin, _ := strings.Cut(n.Payload, "|")
			if schema != s.schema || origin == s.id {
				continue
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return ch, nil
}

// payload identifies this store's publications.
func (s *Store) payload() string { return s.schema + "|" + s.id }
