package rawload

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// EncodeCSV writes rows of t as a CSV file Decode reads back to the same
// rows: a header of every column, then one record per row, NULL as empty.
func EncodeCSV(w io.Writer, t *pipeline.Table, rows []pipeline.Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.ColumnNames()); err != nil {
		return err
	}
	rec := make([]string, len(t.Columns))
	for i, r := range rows {
		for j, v := range r {
			s, err := formatValue(v)
			if err != nil {
				return fmt.Errorf("%s row %d column %s: %w", t.Name, i, t.Columns[j].Name, err)
			}
			rec[j] = s
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatValue(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case pipeline.Date:
		return x.String(), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	}
	return "", fmt.Errorf("cannot write %T", v)
}
