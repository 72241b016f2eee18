package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/storetest"
)

func openTest(t *testing.T) pipeline.Store {
	s, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "statgate.db"), Catalog: nba.Catalog})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, openTest) }
