package sqlstore

import (
	"context"

	"github.com/statgate/statgate/internal/pipeline"
)

// BulkInsert writes rows straight into their data tables in one
// transaction, the fastest way the database has (COPY, or prepared
// multi-row inserts): no versions, lineage, checks or triggers, as the
// database's own bulk tool would. It is the floor the pipeline's cost is
// measured against (statgate bench), on a database of its own; a store
// that serves readers must never be written this way.
func (s *Store) BulkInsert(ctx context.Context, tables []*pipeline.Table, rows map[string][]pipeline.Row) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		for _, t := range tables {
			if err := s.db.InsertRows(ctx, tx, t, rows[t.Name]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.errorf("bulk insert", err)
	}
	return nil
}
