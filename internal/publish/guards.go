package publish

import (
	"fmt"

	"github.com/statgate/statgate/internal/pipeline"
)

// guardChecks are checks every analytics table gets from the publish step,
// so that no processor can forget them: every row fits the table's schema.
// The store would refuse such rows anyway; checking here turns them into a
// named critical failure (a rejected task) instead of an error. Key
// uniqueness and the partition date are declared by each table (SPEC §5).
func guardChecks(t *pipeline.Table) []pipeline.Check {
	return []pipeline.Check{
		{Name: "schema_valid", Severity: pipeline.Critical, Eval: func(_ pipeline.Compute, rows []pipeline.Row) []pipeline.Failure {
			var out []pipeline.Failure
			for i, r := range rows {
				if err := t.Validate(r); err != nil {
					out = append(out, pipeline.Failure{Subject: fmt.Sprintf("row %d", i), Observed: err.Error(), Expected: "a row of " + t.Name})
				}
			}
			return out
		}},
	}
}
