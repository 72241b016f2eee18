package dashboard

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/statgate/statgate/internal/pipeline"
)

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"clockp": func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("15:04:05.000")
	},
	"took": func(r pipeline.TaskRun) string {
		if r.FinishedAt == nil {
			return "running"
		}
		return r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Microsecond).String()
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	"join": strings.Join,
	// breakable lets a long snake_case name wrap after its underscores.
	"breakable": func(s string) template.HTML {
		return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(s), "_", "_<wbr>"))
	},
	"deref": func(t *time.Time) time.Time { return *t },
	"ptr":   func(t time.Time) *time.Time { return &t },
	"f1":    func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"label": func(state string) string {
		if l, ok := stateLabel[state]; ok {
			return l
		}
		return state
	},
	"games": func(n int) string {
		switch {
		case n < 0:
			return "not in schedule"
		case n == 1:
			return "1 game"
		}
		return fmt.Sprintf("%d games", n)
	},
	// older lists the versions before the current one, newest first, for
	// rollback.
	"older": func(hist []pipeline.PartitionVersion) []pipeline.PartitionVersion {
		if len(hist) < 2 {
			return nil
		}
		out := make([]pipeline.PartitionVersion, 0, len(hist)-1)
		for i := len(hist) - 2; i >= 0; i-- {
			out = append(out, hist[i])
		}
		return out
	},
}
