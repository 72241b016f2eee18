package postgres

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/storetest"
)

var schemaSeq atomic.Int64

// openTest opens a store in a fresh schema of STATGATE_TEST_POSTGRES, dropped
// when the test ends, or skips loudly when the variable is unset.
func openTest(t testing.TB) pipeline.Store {
	url := os.Getenv("STATGATE_TEST_POSTGRES")
	if url == "" {
		t.Skip("SKIPPED: PostgreSQL tests need STATGATE_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	schema := fmt.Sprintf("statgate_test_%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	ctx := context.Background()
	s, err := Open(ctx, Config{URL: url, Schema: schema, Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pipeline.Store { return openTest(t) })
}
