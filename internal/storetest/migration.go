package storetest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/statgate/statgate/internal/dag"
	"github.com/statgate/statgate/internal/engine"
	"github.com/statgate/statgate/internal/ingest"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
	wap "github.com/statgate/statgate/internal/publish" // storetest has a publish helper
	"github.com/statgate/statgate/internal/testdb"
)

// Migrations are history: a released migration never changes, and every
// schema change is a new numbered file. The drift check below compares the
// schema the migrations build with the Go declarations of the data tables;
// the upgrade check, further down, opens a database made by the previous
// release with the current code.

// Dialect is how a store lays out the declared data tables: what the drift
// check compares with and the statements it suggests.
type Dialect struct {
	// Name is the store's package, for the migration paths it suggests.
	Name string
	// ColumnType is the storage type of a column type, spelled as the
	// store reads it back from the database.
	ColumnType func(pipeline.Type) string
	// TableSuffix ends a CREATE TABLE statement (" STRICT" on SQLite).
	TableSuffix string
	// Zero is the literal of a type's zero value: the default suggested
	// for a NOT NULL column added to a table that has rows.
	Zero func(pipeline.Type) string
	// ChangeColumn renders what gives an existing column its declared type
	// and NOT NULL.
	ChangeColumn func(*pipeline.Table, pipeline.Column) string
	// ChangeKey renders what gives a table its declared primary key.
	ChangeKey func(*pipeline.Table) string
}

// PrimaryKey is the primary key of a data table in either database. It
// leads with game_date, so that replacing a partition is a range delete on
// the key.
func PrimaryKey(t *pipeline.Table) []string {
	key := []string{pipeline.PartitionColumn}
	for _, k := range t.Key {
		if k != pipeline.PartitionColumn {
			key = append(key, k)
		}
	}
	return key
}

// CreateTable renders the statement that creates data table t as name.
func (d Dialect) CreateTable(name string, t *pipeline.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", name)
	for _, c := range t.Columns {
		fmt.Fprintf(&b, "    %s,\n", d.columnDef(c))
	}
	fmt.Fprintf(&b, "    PRIMARY KEY (%s)\n)%s;\n", strings.Join(PrimaryKey(t), ", "), d.TableSuffix)
	return b.String()
}

func (d Dialect) columnDef(c pipeline.Column) string {
	if c.Required {
		return c.Name + " " + d.ColumnType(c.Type) + " NOT NULL"
	}
	return c.Name + " " + d.ColumnType(c.Type)
}

// AddColumn renders the statement that adds column c to data table t. A
// NOT NULL column needs a default for the rows already there; the zero of
// its type is suggested, to be replaced by the value those rows should
// hold.
func (d Dialect) AddColumn(t *pipeline.Table, c pipeline.Column) string {
	def := ""
	if c.Required {
		def = " DEFAULT " + d.Zero(c.Type)
	}
	return fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s%s;\n", t.Name, d.columnDef(c), def)
}

// ColumnSchema is a column as the database reports it.
type ColumnSchema struct {
	Name    string
	Type    string
	NotNull bool
}

// TableSchema is a table as the database reports it; nil stands for a
// table that does not exist.
type TableSchema struct {
	Columns    []ColumnSchema
	PrimaryKey []string
}

// CheckSchema reports, as test errors, every way the schema the store's
// migrations built differs from the declarations of the data tables in
// nba.Catalog, each with the statement a new migration should hold. read
// returns a table's schema (nil when it does not exist). The test runs in
// the store's package directory, whose migrations directory names the next
// migration.
func CheckSchema(t *testing.T, d Dialect, read func(table string) (*TableSchema, error)) {
	t.Helper()
	next := nextMigration(t, d)
	for _, tb := range nba.Catalog.Tables() {
		got, err := read(tb.Name)
		if err != nil {
			t.Fatalf("read the schema of %s: %v", tb.Name, err)
		}
		for _, msg := range SchemaDrift(d, next, tb, got) {
			t.Errorf("schema drift: %s", msg)
		}
	}
}

// nextMigration names the file of the store's next migration.
func nextMigration(t *testing.T, d Dialect) string {
	return filepath.Join("internal", d.Name, "migrations", fmt.Sprintf("%05d_<name>.sql", NewestMigration(t)+1))
}

// NewestMigration is the version of the newest migration in the
// migrations directory of the current directory (a store's package).
func NewestMigration(tb testing.TB) int64 {
	tb.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		tb.Fatal(err)
	}
	var newest int64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			tb.Fatalf("migration %s: no version number", e.Name())
		}
		newest = max(newest, v)
	}
	return newest
}

// SchemaDrift lists how got, a table as the migrations built it, differs
// from its declaration want: each difference says what differs and what
// the next migration, the file next, should do about it. Columns are
// matched by name: the stores name every column they read or write, so
// order does not matter.
func SchemaDrift(d Dialect, next string, want *pipeline.Table, got *TableSchema) []string {
	fix := func(what, does, stmt string) string {
		return fmt.Sprintf("%s.\nAdd a new migration %s that %s (never edit a released migration):\n\n%s",
			what, next, does, indentSQL(stmt))
	}
	if got == nil {
		return []string{fix(fmt.Sprintf("table %s is declared but no migration creates it", want.Name),
			"creates it", d.CreateTable(want.Name, want))}
	}
	var out []string
	have := map[string]ColumnSchema{}
	for _, c := range got.Columns {
		have[c.Name] = c
	}
	declared := map[string]bool{}
	for _, c := range want.Columns {
		declared[c.Name] = true
		wantType := d.ColumnType(c.Type)
		g, ok := have[c.Name]
		switch {
		case !ok:
			out = append(out, fix(fmt.Sprintf("column %s.%s is declared (%s) but the migrated table has no such column",
				want.Name, c.Name, describe(wantType, c.Required)), "adds it", d.AddColumn(want, c)))
		case g.Type != wantType || g.NotNull != c.Required:
			out = append(out, fix(fmt.Sprintf("column %s.%s is %s in the migrated table but declared %s",
				want.Name, c.Name, describe(g.Type, g.NotNull), describe(wantType, c.Required)), "changes it", d.ChangeColumn(want, c)))
		}
	}
	for _, g := range got.Columns {
		if !declared[g.Name] {
			out = append(out, fmt.Sprintf("column %s.%s (%s) is in the migrated table but not declared.\n"+
				"Declare it in internal/nba, or add a new migration %s that drops it:\n\n%s",
				want.Name, g.Name, describe(g.Type, g.NotNull), next,
				indentSQL(fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s;\n", want.Name, g.Name))))
		}
	}
	if key := PrimaryKey(want); !slices.Equal(got.PrimaryKey, key) {
		out = append(out, fix(fmt.Sprintf("table %s has primary key (%s) in the migrated schema but is declared with (%s)",
			want.Name, strings.Join(got.PrimaryKey, ", "), strings.Join(key, ", ")), "changes it", d.ChangeKey(want)))
	}
	return out
}

func describe(typ string, notNull bool) string {
	if notNull {
		return typ + " NOT NULL"
	}
	return typ + " NULL"
}

func indentSQL(stmt string) string {
	lines := strings.Split(strings.TrimRight(stmt, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

// The upgrade check opens a database made by the previous release (a
// fixture each store keeps under testdata) with the current code: the
// store migrates it to the newest schema, keeps every version, lineage row
// and task, and goes on publishing. Its fixture holds real dates of the
// 2022-23 season run through the engine. The box scores of one game arrive
// late: its date is first published partial, with a quality warning, then
// again once they arrive, so that earlier, archived versions exist.
var (
	fixtureFrom = pipeline.MustDate("2022-12-20")
	fixtureTo   = pipeline.MustDate("2022-12-22") // the date of the late game
	upgradeDate = pipeline.MustDate("2022-12-23") // published after the upgrade
)

// FixtureNow is the clock of the store and engine that make the fixture:
// a few days after its dates, past their completeness deadlines.
func FixtureNow() time.Time { return time.Date(2022, 12, 26, 12, 0, 0, 0, time.UTC) }

// UpgradeNow is the clock of the store that opens the fixture.
func UpgradeNow() time.Time { return time.Date(2022, 12, 27, 12, 0, 0, 0, time.UTC) }

// BuildUpgradeFixture fills s, a store opened at FixtureNow on an empty
// database, with what the upgrade check expects of a fixture.
func BuildUpgradeFixture(t testing.TB, s pipeline.Store) {
	t.Helper()
	ctx := context.Background()
	season := testdb.SeasonRows(t)
	testdb.LoadRaw(t, s, season, fixtureFrom, fixtureTo, nba.Schedule)
	for _, name := range []string{nba.Gamebook, nba.TeamBox} {
		tb := nba.Catalog.Table(name)
		rows := testdb.OnDates(tb, season[name], fixtureFrom, fixtureTo)
		if _, err := ingest.Load(ctx, s, tb, withoutLateGame(tb, rows), ingest.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	scope := engine.Scope{From: fixtureFrom, To: fixtureTo, Explicit: true}
	runEngine(t, s, FixtureNow, scope)
	testdb.LoadRaw(t, s, season, fixtureTo, fixtureTo, nba.Gamebook, nba.TeamBox)
	scope.RefreshAll = true
	runEngine(t, s, FixtureNow, scope)
	if v, err := s.CurrentVersion(ctx, nba.PlayerGame, fixtureTo); err != nil || v.Version < 2 {
		t.Fatalf("%s %s after the late game: version %d, %v; want a second version", nba.PlayerGame, fixtureTo, v.Version, err)
	}
}

// withoutLateGame leaves out of rows of table tb the last game of
// fixtureTo, whose box scores arrive late.
func withoutLateGame(tb *pipeline.Table, rows []pipeline.Row) []pipeline.Row {
	id := tb.MustCol("game_id")
	var late string
	for _, r := range rows {
		if r[tb.DateIndex()] == fixtureTo {
			late = max(late, r[id].(string))
		}
	}
	var out []pipeline.Row
	for _, r := range rows {
		if r[id] != late {
			out = append(out, r)
		}
	}
	return out
}

// runEngine runs every processor over scope and fails t unless every task
// ends published (or up to date: recomputed, same content).
func runEngine(t testing.TB, s pipeline.Store, now func() time.Time, scope engine.Scope) {
	t.Helper()
	g, err := dag.Build(nba.Catalog, nba.Processors())
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(engine.Config{Store: s, Catalog: nba.Catalog, Graph: g, Now: now, Owner: "upgrade",
		Executor: &wap.Executor{Store: s, Catalog: nba.Catalog, BuildRevision: "upgrade"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Run(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Final {
		if d.State != pipeline.Published && d.State != pipeline.UpToDate {
			t.Errorf("%s %s: %s (%s), want published", d.Task.Processor, d.Task.Date, d.State, d.Reason)
		}
	}
}

// Querier runs a query whose rows are one text column, on the database
// restored from a fixture, whether or not a store has it open.
type Querier func(ctx context.Context, query string) ([]string, error)

// Upgrade is one store's side of the upgrade check.
type Upgrade struct {
	Dialect Dialect
	// Query reads the database restored from the store's fixture.
	Query Querier
	// Open opens the store on that database at UpgradeNow, which migrates
	// it; the store is closed at cleanup.
	Open func(t *testing.T) pipeline.Store
	// ReadSchema reads a table's schema, as for CheckSchema.
	ReadSchema func(table string) (*TableSchema, error)
}

// CheckUpgrade opens the restored fixture with the store and checks that
// it reaches the newest migration and the declared schema, keeps every
// count and every version, lineage row and task, serves every version's
// rows, and publishes a new date.
func CheckUpgrade(t *testing.T, u Upgrade) {
	ctx := context.Background()
	before := u.inventory(t)
	if before.Counts["partition_contents"] == 0 || before.Counts["quality_events"] == 0 || before.Counts["task_runs"] == 0 {
		t.Fatalf("the fixture holds no earlier version, quality event or run (counts %v): regenerate it", before.Counts)
	}
	newest := NewestMigration(t)
	t.Logf("fixture at migration %d, newest %d", before.Migration, newest)
	s := u.Open(t)
	if r, ok := s.(interface{ Ready(context.Context) error }); ok {
		if err := r.Ready(ctx); err != nil {
			t.Errorf("Ready after the upgrade = %v, want nil", err)
		}
	}
	after := u.inventory(t)
	if after.Migration != newest {
		t.Errorf("migration after the upgrade = %d, want the newest, %d", after.Migration, newest)
	}
	before.Migration, after.Migration = 0, 0
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the upgrade changed what the database held (-before +after):\n%s", diff)
	}
	CheckSchema(t, u.Dialect, u.ReadSchema)
	checkVersionRows(t, s)
	testdb.LoadRaw(t, s, testdb.SeasonRows(t), upgradeDate, upgradeDate)
	runEngine(t, s, UpgradeNow, engine.Scope{From: upgradeDate, To: upgradeDate, Explicit: true})
	for _, p := range nba.Processors() {
		v, err := s.CurrentVersion(ctx, p.Name(), upgradeDate)
		if err != nil || len(v.Inputs) == 0 {
			t.Errorf("%s %s after the upgrade: version %d with %d inputs, %v; want published with lineage",
				p.Name(), upgradeDate, v.Version, len(v.Inputs), err)
		}
	}
}

// checkVersionRows reads every version the store keeps rows of (the
// current version of every partition, and every earlier version of an
// analytics partition) and checks it holds the rows its version records.
func checkVersionRows(t *testing.T, s pipeline.Store) {
	t.Helper()
	ctx := context.Background()
	parts, err := s.Partitions(ctx, pipeline.PartitionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, cur := range parts {
		tb := nba.Catalog.Table(cur.Table)
		history, err := s.History(ctx, cur.Table, cur.Date)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range history {
			if v.Version != cur.Version && tb.Kind != pipeline.Analytics {
				continue // earlier raw versions keep no rows
			}
			rows, err := s.VersionRows(ctx, tb, v.Date, v.Version)
			if err != nil || len(rows) != v.RowCount {
				t.Errorf("VersionRows(%s, %s, %d) = %d rows, %v; want %d rows", v.Table, v.Date, v.Version, len(rows), err, v.RowCount)
			}
			read++
		}
	}
	if read <= len(parts) {
		t.Errorf("read %d versions of %d partitions, want earlier versions too: the fixture lacks them", read, len(parts))
	}
}

// inventory is what an upgrade must keep: the row count of every table
// and the identity of every version, lineage row, task and trigger.
type inventory struct {
	Migration int64
	Counts    map[string]int
	Rows      map[string][]string
}

// engineTables are the engine's own tables, counted beside the data tables.
var engineTables = []string{"partitions", "partition_versions", "partition_contents", "lineage",
	"triggers", "tasks", "task_runs", "quality_events", "circuits", "backfills"}

// keptColumns are the columns whose every value the upgrade must keep.
var keptColumns = map[string][]string{
	"partitions": {"table_name", "game_date", "current_version"},
	"partition_versions": {"table_name", "game_date", "version", "row_count", "content_hash", "source",
		"partial", "processor_version", "restored_from", "coverage", "input_fingerprint"},
	"lineage":  {"table_name", "game_date", "version", "input_table", "input_date", "input_version"},
	"tasks":    {"processor", "game_date", "state", "attempts", "published_version", "input_fingerprint"},
	"triggers": {"message_id", "table_name", "game_date", "status", "content_hash", "processed_at"},
}

// inventory reads what the database holds. A data table that does not
// exist yet (a later migration creates it) holds no rows.
func (u Upgrade) inventory(t *testing.T) inventory {
	t.Helper()
	ctx := context.Background()
	one := func(query string) string {
		rows, err := u.Query(ctx, query)
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s: %d rows, %v", query, len(rows), err)
		}
		return rows[0]
	}
	inv := inventory{Counts: map[string]int{}, Rows: map[string][]string{}}
	var err error
	if inv.Migration, err = strconv.ParseInt(one("SELECT CAST(MAX(version_id) AS TEXT) FROM goose_db_version"), 10, 64); err != nil {
		t.Fatal(err)
	}
	tables := slices.Clone(engineTables)
	for _, tb := range nba.Catalog.Tables() {
		schema, err := u.ReadSchema(tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		if schema != nil {
			tables = append(tables, tb.Name)
		} else {
			inv.Counts[tb.Name] = 0
		}
	}
	for _, name := range tables {
		if inv.Counts[name], err = strconv.Atoi(one("SELECT CAST(COUNT(*) AS TEXT) FROM " + name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, cols := range keptColumns {
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = "COALESCE(CAST(" + c + " AS TEXT), 'NULL')"
		}
		rows, err := u.Query(ctx, "SELECT "+strings.Join(vals, " || '|' || ")+" FROM "+name)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		slices.Sort(rows)
		inv.Rows[name] = rows
	}
	return inv
}

// DriftCases are the changes CheckDriftReported declares, each a changed
// copy of team offense (or a new table), by name.
var DriftCases = []string{"new nullable column", "new required column", "column no longer declared",
	"new table", "changed type", "changed key"}

// driftCase declares one of DriftCases.
func driftCase(name string) *pipeline.Table {
	offense := nba.TeamOffenseTable
	with := func(cols ...pipeline.Column) *pipeline.Table {
		return pipeline.NewTable(offense.Name, offense.Kind, offense.Key, cols...)
	}
	cols := slices.Clone(offense.Columns)
	switch name {
	case "new nullable column":
		return with(append(cols, pipeline.Column{Name: "drift_probe", Type: pipeline.Int})...)
	case "new required column":
		return with(append(cols, pipeline.Column{Name: "drift_probe", Type: pipeline.Text, Required: true})...)
	case "column no longer declared":
		return with(cols[:len(cols)-1]...)
	case "new table":
		return pipeline.NewTable("drift_probe_days", pipeline.Analytics, []string{"team_abbr"},
			pipeline.Column{Name: "game_date", Type: pipeline.DateType, Required: true},
			pipeline.Column{Name: "team_abbr", Type: pipeline.Text, Required: true},
			pipeline.Column{Name: "days", Type: pipeline.Int})
	case "changed type":
		cols[offense.MustCol("pace")].Type = pipeline.Int
		return with(cols...)
	case "changed key":
		return pipeline.NewTable(offense.Name, offense.Kind, []string{"game_id"}, cols...)
	}
	panic("unknown drift case " + name)
}

// CheckDriftReported declares each of DriftCases, compares it with the
// migrated schema read returns and checks that the change is reported,
// once, with want[name] in its statement for the next migration.
// Differences the real declaration already has are the drift test's to
// report and are left out.
func CheckDriftReported(t *testing.T, d Dialect, read func(table string) (*TableSchema, error), want map[string]string) {
	t.Helper()
	next := nextMigration(t, d)
	for _, name := range DriftCases {
		t.Run(name, func(t *testing.T) {
			declared := driftCase(name)
			got, err := read(declared.Name)
			if err != nil {
				t.Fatal(err)
			}
			var known []string
			if real := nba.Catalog.Table(declared.Name); real != nil {
				known = SchemaDrift(d, next, real, got)
			}
			var drift []string
			for _, msg := range SchemaDrift(d, next, declared, got) {
				if !slices.Contains(known, msg) {
					drift = append(drift, msg)
				}
			}
			if w, ok := want[name]; !ok || len(drift) != 1 || !strings.Contains(drift[0], w) || !strings.Contains(drift[0], next) {
				t.Errorf("SchemaDrift(%s) = %q, want one more difference suggesting %s with\n%s", name, drift, next, w)
			}
		})
	}
}

// ReadFixture returns the gunzipped content of a fixture file.
func ReadFixture(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return data
}

// WriteFixture writes data gzip-compressed to path and logs its size.
func WriteFixture(t *testing.T, path string, data []byte) {
	t.Helper()
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, b.Len())
}
