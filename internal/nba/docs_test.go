package nba

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	p "github.com/statgate/statgate/internal/pipeline"
)

// tablesDoc is the repository's reference for the tables, their formulas
// and their checks.
const tablesDoc = "../../docs/tables.md"

// docSection is what docs/tables.md says about one table: the rows of its
// key line, its column table, its input table and its check table, each
// row as the first cells of the markdown table row.
type docSection struct {
	key     []string
	columns [][3]string // name, type, required|nullable
	inputs  [][3]string // table, window, required|optional
	checks  [][2]string // name, severity
}

var (
	sectionHeading = regexp.MustCompile("^### `([a-z0-9_]+)`")
	backticked     = regexp.MustCompile("`([^`]+)`")
)

// readTablesDoc parses docs/tables.md into one section per "### `table`"
// heading. A markdown table's kind is its header's first cell: column,
// input or check.
func readTablesDoc(t *testing.T) map[string]*docSection {
	t.Helper()
	f, err := os.Open(tablesDoc)
	if err != nil {
		t.Fatalf("open the tables reference: %v", err)
	}
	defer f.Close()
	sections := map[string]*docSection{}
	var cur *docSection
	kind := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := sectionHeading.FindStringSubmatch(line); m != nil {
			cur = &docSection{}
			sections[m[1]] = cur
			kind = ""
			continue
		}
		if strings.HasPrefix(line, "## ") {
			cur, kind = nil, ""
			continue
		}
		if cur == nil {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Key: "); ok {
			for _, m := range backticked.FindAllStringSubmatch(rest, -1) {
				cur.key = append(cur.key, m[1])
			}
			continue
		}
		if !strings.HasPrefix(line, "|") {
			kind = ""
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case kind == "":
			kind = cells[0] // the header row
			continue
		case strings.HasPrefix(cells[0], "---"):
			continue
		case len(cells) < 3:
			t.Errorf("%s: table row %q has fewer than 3 cells", tablesDoc, line)
			continue
		}
		name := strings.Trim(cells[0], "`")
		switch kind {
		case "column":
			cur.columns = append(cur.columns, [3]string{name, cells[1], cells[2]})
		case "input":
			cur.inputs = append(cur.inputs, [3]string{name, cells[1], cells[2]})
		case "check":
			cur.checks = append(cur.checks, [2]string{name, cells[1]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read the tables reference: %v", err)
	}
	return sections
}

// TestTablesReference holds docs/tables.md to the declarations: every table
// of the catalog has a section with its key and every column, in order,
// with its type and whether it may be empty; every processor's section
// lists its inputs and its checks with their severities. A column, input or
// check added, renamed or removed in the code fails here until the
// reference says so too.
func TestTablesReference(t *testing.T) {
	sections := readTablesDoc(t)
	known := map[string]bool{}
	for _, tbl := range Catalog.Tables() {
		known[tbl.Name] = true
		s, ok := sections[tbl.Name]
		if !ok {
			t.Errorf("%s has no section \"### `%s`\"", tablesDoc, tbl.Name)
			continue
		}
		if diff := cmp.Diff(tbl.Key, s.key); diff != "" {
			t.Errorf("%s: key of %s differs from the declaration (-code +doc):\n%s", tablesDoc, tbl.Name, diff)
		}
		var want [][3]string
		for _, c := range tbl.Columns {
			null := "nullable"
			if c.Required {
				null = "required"
			}
			want = append(want, [3]string{c.Name, c.Type.String(), null})
		}
		if diff := cmp.Diff(want, s.columns); diff != "" {
			t.Errorf("%s: columns of %s differ from the declaration (-code +doc):\n%s", tablesDoc, tbl.Name, diff)
		}
	}
	for name := range sections {
		if !known[name] {
			t.Errorf("%s describes table %s, which the catalog does not declare", tablesDoc, name)
		}
	}
	for _, proc := range Processors() {
		s, ok := sections[proc.Output().Name]
		if !ok {
			continue // reported above
		}
		var inputs [][3]string
		for _, in := range proc.Inputs() {
			need := "optional"
			if in.Required {
				need = "required"
			}
			inputs = append(inputs, [3]string{in.Table, in.Window.String(), need})
		}
		if diff := cmp.Diff(inputs, s.inputs); diff != "" {
			t.Errorf("%s: inputs of %s differ from the declaration (-code +doc):\n%s", tablesDoc, proc.Name(), diff)
		}
		var checks [][2]string
		for _, c := range proc.Checks() {
			checks = append(checks, [2]string{c.Name, string(c.Severity)})
		}
		if diff := cmp.Diff(checks, s.checks); diff != "" {
			t.Errorf("%s: checks of %s differ from the declaration (-code +doc):\n%s", tablesDoc, proc.Name(), diff)
		}
	}
	// Raw tables have no processor, so no inputs or checks to list.
	for _, tbl := range Catalog.Tables() {
		if s := sections[tbl.Name]; s != nil && tbl.Kind == p.Raw && (len(s.inputs) > 0 || len(s.checks) > 0) {
			t.Errorf("%s: raw table %s lists inputs or checks", tablesDoc, tbl.Name)
		}
	}
}
