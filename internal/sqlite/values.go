package sqlite

import (
	"fmt"
	"io/fs"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// timeLayout is fixed-width so that stored timestamps sort as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// toDB converts a Row value to what the SQLite driver stores.
func toDB(v any) any {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case pipeline.Date:
		return x.String()
	case time.Time:
		return x.UTC().Format(timeLayout)
	}
	return v
}

// fromDB converts a scanned value back to the Row type of a column.
func fromDB(t pipeline.Type, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case pipeline.Text:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case pipeline.Int:
		if x, ok := v.(int64); ok {
			return x, nil
		}
	case pipeline.Float:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case pipeline.Bool:
		if x, ok := v.(int64); ok {
			return x != 0, nil
		}
	case pipeline.DateType:
		if x, ok := v.(string); ok {
			return pipeline.ParseDate(x)
		}
	case pipeline.Timestamp:
		if x, ok := v.(string); ok {
			return time.Parse(timeLayout, x)
		}
	}
	return nil, fmt.Errorf("cannot read %T as %s", v, t)
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
