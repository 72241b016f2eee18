// Package dataset embeds the real 2022-23 NBA season (NBA.com schedule,
// Basketball-Reference box scores and advanced stats) in statgate's raw
// format, so the demo, tests and benchmarks run on real data anywhere.
package dataset

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/statgate/statgate/internal/pipeline"
	"github.com/statgate/statgate/internal/rawload"
)

//go:embed nba2022/*.csv.gz
var files embed.FS

// Season is the season the embedded files hold.
const Season = "2022-23"

// Raw lists the embedded raw files as table name → file name, in load order.
var Raw = []struct{ Table, File string }{
	{"nbac_schedule", "nbac_schedule.csv.gz"},
	{"nbac_gamebook_player_stats", "nbac_gamebook_player_stats.csv.gz"},
	{"nbac_team_boxscore", "nbac_team_boxscore.csv.gz"},
}

// Expected files hold Basketball-Reference's published advanced stats.
const (
	ExpectedPlayerFile = "expected_player_advanced.csv.gz"
	ExpectedTeamFile   = "expected_team_advanced.csv.gz"
)

// FS returns the embedded files (gzip CSV), rooted at the season folder.
func FS() fs.FS {
	sub, err := fs.Sub(files, "nba2022")
	if err != nil {
		panic(err)
	}
	return sub
}

// Rows decodes the embedded raw files with the tables of catalog: raw
// table name → rows.
func Rows(catalog *pipeline.Catalog) (map[string][]pipeline.Row, error) {
	out := make(map[string][]pipeline.Row, len(Raw))
	for _, f := range Raw {
		rows, err := rawload.DecodeFiles(catalog.Table(f.Table), FS(), []string{f.File})
		if err != nil {
			return nil, fmt.Errorf("bundled season: %w", err)
		}
		out[f.Table] = rows
	}
	return out, nil
}
