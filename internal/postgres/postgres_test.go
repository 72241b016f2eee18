package postgres_test

import (
	"testing"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/storetest"
	"github.com/statgate/statgate/internal/testdb"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) pipeline.Store { return testdb.Postgres(t) })
}
