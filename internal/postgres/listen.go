package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/statgate/statgate/internal/pipeline"
)

// notifyChannel is where every publication is announced. The payload names
// the schema, so stores in other schemas of the same database ignore it,
// and the publishing store, so a process is not woken by its own work (it
// already knows).
const notifyChannel = "statgate_publish"

// Listen calls changed soon after any other process commits a
// publication to this store's schema (LISTEN/NOTIFY), with the partitions
// it changed, or with nil when the notification could not name them all,
// until ctx ends; then it closes done. changed must not block.
func (s *Store) Listen(ctx context.Context, changed func([]pipeline.PartKey)) (done <-chan struct{}, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: listen: %w", err)
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		defer conn.Release()
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
			schema, rest, _ := strings.Cut(n.Payload, "|")
			origin, keys, _ := strings.Cut(rest, "|")
			if schema != s.schema || origin == s.id {
				continue
			}
			changed(parseKeys(keys))
		}
	}()
	return closed, nil
}

// maxPayload keeps a notification under PostgreSQL's 8,000-byte limit; a
// publication of more partitions than fit names none (a full re-read).
const maxPayload = 7000

// payload identifies this store's publications and what they changed:
// "schema|origin|table@date,table@date…".
func (s *Store) payload(changed []pipeline.PartKey) string {
	var b strings.Builder
	b.WriteString(s.schema + "|" + s.id + "|")
	head := b.Len()
	for i, k := range changed {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.Table + "@" + k.Date.String())
		if b.Len() > maxPayload {
			return b.String()[:head] + "*"
		}
	}
	return b.String()
}

// parseKeys reads a payload's partitions; nil when it names none or
// cannot be read.
func parseKeys(keys string) []pipeline.PartKey {
	if keys == "" || keys == "*" {
		return nil
	}
	parts := strings.Split(keys, ",")
	out := make([]pipeline.PartKey, 0, len(parts))
	for _, p := range parts {
		table, date, ok := strings.Cut(p, "@")
		d, err := pipeline.ParseDate(date)
		if !ok || err != nil {
			return nil
		}
		out = append(out, pipeline.PartKey{Table: table, Date: d})
	}
	return out
}

// The engine wakes on what Listen reports.
var _ interface {
	Listen(context.Context, func([]pipeline.PartKey)) (<-chan struct{}, error)
} = (*Store)(nil)
