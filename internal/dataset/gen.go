package dataset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// Derive returns season k before the bundled one (k = 0 is the bundled
// season itself), derived from its rows: every date k years earlier, the
// season year and the ids to match, and the thirty teams relabelled by a
// permutation drawn from seed. Relabelling whole teams keeps every box
// score as consistent as the real one (player sums equal team totals,
// points equal 2·FG + 3P + FT, minutes sum to team minutes) while the
// seasons differ in who played whom where. rows maps a raw table's name to
// the bundled season's rows; they are not modified.
func Derive(k int, seed uint64, tables map[string]*pipeline.Table, rows map[string][]pipeline.Row) (map[string][]pipeline.Row, error) {
	teams := teamsOf(tables, rows)
	relabel := map[string]string{}
	perm := slices.Clone(teams)
	if k > 0 {
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	}
	for i, t := range teams {
		relabel[t] = perm[i]
	}
	out := make(map[string][]pipeline.Row, len(rows))
	for name, rs := range rows {
		t := tables[name]
		d := deriver{t: t, k: k, relabel: relabel}
		derived := make([]pipeline.Row, len(rs))
		for i, r := range rs {
			nr, err := d.row(r)
			if err != nil {
				return nil, fmt.Errorf("derive season -%d, %s row %d: %w", k, name, i, err)
			}
			derived[i] = nr
		}
		out[name] = derived
	}
	return out, nil
}

// teamsOf lists every team abbreviation the rows hold, sorted.
func teamsOf(tables map[string]*pipeline.Table, rows map[string][]pipeline.Row) []string {
	seen := map[string]bool{}
	for name, rs := range rows {
		t := tables[name]
		for _, col := range teamColumns {
			if i := t.Col(col); i >= 0 {
				for _, r := range rs {
					if s, ok := r[i].(string); ok {
						seen[s] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

var teamColumns = []string{"team_abbr", "opponent_team_abbr", "home_team_abbr", "away_team_abbr"}

type deriver struct {
	t       *pipeline.Table
	k       int
	relabel map[string]string
}

func (d deriver) row(r pipeline.Row) (pipeline.Row, error) {
	t := d.t
	nr := slices.Clone(r)
	for _, col := range teamColumns {
		if i := t.Col(col); i >= 0 {
			if s, ok := r[i].(string); ok {
				nr[i] = d.relabel[s]
			}
		}
	}
	if i := t.Col(pipeline.PartitionColumn); i >= 0 {
		if dt, ok := r[i].(pipeline.Date); ok {
			nr[i] = d.date(dt)
		}
	}
	if i := t.Col(pipeline.SeasonColumn); i >= 0 {
		if y, ok := r[i].(int64); ok {
			nr[i] = y - int64(d.k)
		}
	}
	if i := t.Col("game_id"); i >= 0 {
		id, err := d.gameID(r[i].(string))
		if err != nil {
			return nil, err
		}
		nr[i] = id
	}
	if i := t.Col("nba_game_id"); i >= 0 {
		if s, ok := r[i].(string); ok && len(s) == 10 {
			y := int(nr[t.Col(pipeline.SeasonColumn)].(int64)) % 100
			nr[i] = s[:3] + fmt.Sprintf("%02d", y) + s[5:]
		}
	}
	return nr, nil
}

func (d deriver) date(dt pipeline.Date) pipeline.Date {
	return pipeline.DateOf(dt.Time().AddDate(-d.k, 0, 0))
}

// gameID rewrites YYYYMMDD_AWAY_HOME for the derived date and teams.
func (d deriver) gameID(id string) (string, error) {
	parts := strings.Split(id, "_")
	if len(parts) != 3 {
		return "", fmt.Errorf("game id %q is not YYYYMMDD_AWAY_HOME", id)
	}
	day, err := time.Parse("20060102", parts[0])
	if err != nil {
		return "", fmt.Errorf("game id %q: %w", id, err)
	}
	return d.date(pipeline.DateOf(day)).Time().Format("20060102") + "_" + d.relabel[parts[1]] + "_" + d.relabel[parts[2]], nil
}
