package nba

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	p "github.com/statgate/statgate/internal/pipeline"
)

// shuffledInputs serves an InputSet's rows in a random (seeded) order, the
// way a database without ORDER BY may.
type shuffledInputs struct {
	in  p.InputSet
	rng *rand.Rand
}

func (s shuffledInputs) Rows(table string, d p.Date) ([]p.Row, error) {
	rows, err := s.in.Rows(table, d)
	rows = slices.Clone(rows)
	s.rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return rows, err
}

// TestComputeIsDeterministic: computing a date again with every input
// partition shuffled gives identical rows and the same content hash.
func TestComputeIsDeterministic(t *testing.T) {
	t.Parallel()
	parts := seasonOutputs(t)
	for _, day := range []string{"2022-12-06", "2023-02-03", "2023-02-23", "2023-04-09"} {
		d := p.MustDate(day)
		for _, proc := range Processors() {
			first := parts[proc.Name()][d]
			for seed := range uint64(3) {
				c := task(proc, d, parts)
				c.Inputs = shuffledInputs{in: c.Inputs, rng: rand.New(rand.NewPCG(seed, 42))}
				again, err := proc.Compute(c)
				if err != nil {
					t.Fatalf("%s %s: %v", proc.Name(), d, err)
				}
				if diff := cmp.Diff(first, again); diff != "" {
					t.Errorf("%s %s seed %d: rows differ (-first +again):\n%s", proc.Name(), d, seed, diff)
				}
				if h1, h2 := proc.Output().ContentHash(first), proc.Output().ContentHash(again); h1 != h2 {
					t.Errorf("ContentHash(%s %s) = %s, then %s", proc.Name(), d, h1, h2)
				}
			}
			if len(first) == 0 {
				t.Errorf("%s %s: no rows to compare", proc.Name(), d)
			}
		}
	}
}
