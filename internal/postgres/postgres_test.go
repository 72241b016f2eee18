package postgres_test

import (
	"context"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/postgres"
	"github.com/statgate/statgate/internal/storetest"
	"github.com/statgate/statgate/internal/testdb"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pipeline.Store { return testdb.Postgres(t) })
}

func TestRetention(t *testing.T) {
	url := testdb.PostgresURL(t)
	s, err := postgres.Open(context.Background(), postgres.Config{URL: url, Schema: testdb.NewSchema(t, url), Catalog: nba.Catalog, KeepVersions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckRetention(t, s)
}
