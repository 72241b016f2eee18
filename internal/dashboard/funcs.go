package dashboard

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
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
	"href": href,
	// dates joins dates with commas, for the page to map a click on the
	// overview back to its date.
	"dates": func(ds []pipeline.Date) string {
		var b strings.Builder
		for i, d := range ds {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(d.String())
		}
		return b.String()
	},
	"last": func(rows []Row) int { return len(rows) - 1 },
	// breakable lets a long snake_case name wrap after its underscores.
	"breakable": func(s string) template.HTML {
		return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(s), "_", "_<wbr>"))
	},
	"deref": func(t *time.Time) time.Time { return *t },
	"ptr":   func(t time.Time) *time.Time { return &t },
	"f1":    f1,
	"label": func(state string) string {
		if l, ok := stateLabel[state]; ok {
			return l
		}
		return state
	},
	"games":   gamesText,
	"checks":  checksText,
	"seconds": seconds,
	"num":     func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
}

// href builds an in-page link from key, value pairs: "?task=P/D&run=7".
// A task's slash stays as it is, so that a pasted link reads as it looks.
func href(kv ...any) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(fmt.Sprint(kv[i]))
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(url.QueryEscape(fmt.Sprint(kv[i+1])), "%2F", "/"))
	}
	return b.String()
}

func gamesText(n int) string {
	switch {
	case n < 0:
		return "not in schedule"
	case n == 1:
		return "1 game"
	}
	return fmt.Sprintf("%d games", n)
}
