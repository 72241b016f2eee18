package dashboard

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// The matrix body and the timeline's bars are the page's bulk: a season
// is 1,190 cells and as many runs. They are written here, escaped with
// html.EscapeString, rather than by a template action per attribute,
// which costs about ten times as much (BenchmarkSeasonPage).

// BodyHTML is the matrix's rows, newest first.
func (m Matrix) BodyHTML() template.HTML {
	var b strings.Builder
	b.Grow(len(m.Rows) * len(m.Processors) * 420)
	for _, r := range m.Rows {
		d := r.Date.String()
		b.WriteString("\n<tr data-date=\"")
		b.WriteString(d)
		if r.Problems > 0 {
			b.WriteString(`" class="has-problem`)
		}
		b.WriteString(`"><th scope="row">`)
		b.WriteString(d)
		b.WriteString(" <small>")
		b.WriteString(html.EscapeString(gamesText(r.Games)))
		b.WriteString("</small></th>")
		for _, c := range r.Cells {
			writeCell(&b, c)
		}
		b.WriteString("</tr>")
	}
	b.WriteByte('\n')
	return template.HTML(b.String())
}

func writeCell(b *strings.Builder, c Cell) {
	label, version := c.Label(), c.VersionLabel()
	b.WriteString(`<td><a id="`)
	b.WriteString(html.EscapeString(c.ID()))
	b.WriteString(`" class="cell s-`)
	b.WriteString(c.State)
	if c.Late {
		b.WriteString(" late")
	}
	b.WriteString(`" href="`)
	b.WriteString(html.EscapeString(c.Href()))
	b.WriteString(`" data-state="`)
	b.WriteString(c.State)
	if c.Problem != "" {
		b.WriteString(`" data-problem="`)
		b.WriteString(c.Problem)
	}
	b.WriteString(`" aria-label="`)
	b.WriteString(html.EscapeString(c.Processor))
	b.WriteByte(' ')
	b.WriteString(c.Date.String())
	b.WriteString(": ")
	b.WriteString(html.EscapeString(label))
	if c.Late {
		b.WriteString(", late")
	}
	if version != "" {
		b.WriteString(", ")
		b.WriteString(version)
	}
	if c.Reason != "" {
		b.WriteString(`" title="`)
		b.WriteString(html.EscapeString(c.Reason))
	}
	b.WriteString(`">`)
	b.WriteString(html.EscapeString(label))
	if c.Late {
		b.WriteString(` <em class="late-tag">late</em>`)
	}
	if version != "" {
		b.WriteString(" <small>")
		b.WriteString(version)
		b.WriteString("</small>")
	}
	b.WriteString("</a></td>")
}

// BarsHTML is the timeline's bars, each a link to its run's task.
func (tl Timeline) BarsHTML() template.HTML {
	var b strings.Builder
	b.Grow(len(tl.Bars) * 330)
	for _, bar := range tl.Bars {
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(bar.Href()))
		b.WriteString(`" data-run="`)
		b.WriteString(strconv.FormatInt(bar.Run.ID, 10))
		b.WriteString(`"><rect class="bar s-`)
		b.WriteString(bar.State)
		b.WriteString(`" x="`)
		b.WriteString(f1(bar.X))
		b.WriteString(`" y="`)
		b.WriteString(f1(bar.Y))
		b.WriteString(`" width="`)
		b.WriteString(f1(bar.W))
		b.WriteString(`" height="`)
		b.WriteString(f1(bar.H))
		b.WriteString(`"><title>`)
		b.WriteString(html.EscapeString(bar.Label))
		b.WriteString("</title></rect></a>")
	}
	return template.HTML(b.String())
}

func f1(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
