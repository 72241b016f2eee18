package postgres

import (
	"fmt"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// toDB converts a Row value to what pgx encodes for its column type.
func toDB(v any) any {
	if d, ok := v.(pipeline.Date); ok {
		return d.Time()
	}
	return v
}

// fromDB converts a value pgx decoded back to the Row type of a column.
func fromDB(t pipeline.Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case pipeline.Text:
		if x, ok := v.(string); ok {
			return x, nil
		}
	case pipeline.Int:
		if x, ok := v.(int64); ok {
			return x, nil
		}
	case pipeline.Float:
		if x, ok := v.(float64); ok {
			return x, nil
		}
	case pipeline.Bool:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	case pipeline.DateType:
		if x, ok := v.(time.Time); ok {
			return pipeline.DateOf(x), nil
		}
	case pipeline.Timestamp:
		if x, ok := v.(time.Time); ok {
			return x.UTC(), nil
		}
	}
	return nil, fmt.Errorf("cannot read %T as %s", v, t)
}
