package chaos

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/statgate/statgate/internal/dataset"
	"github.com/statgate/statgate/internal/nba"
	"github.com/statgate/statgate/internal/pipeline"
)

// How a delivery reaches statgate.
const (
	// ViaLoad: statgate load (rows published and announced together).
	ViaLoad = "load"
	// ViaAnnounce: Phase 2 writes the rows into the table itself, then
	// announces them (POST /process).
	ViaAnnounce = "announce"
	// ViaWrite: Phase 2 writes rows and has not announced them yet (a
	// half-done DELETE+INSERT, or a run still writing).
	ViaWrite = "write"
	// ViaRedeliver: Pub/Sub delivers an announcement again (same message).
	ViaRedeliver = "redeliver"
	// ViaEarly: the announcement arrives before its rows are written (zero
	// rows reported as success): refused, nothing recorded.
	ViaEarly = "early"
)

// Delivery is one thing Phase 2 does, After the previous one.
type Delivery struct {
	After       time.Duration
	Via         string
	Table       string
	Date        pipeline.Date
	Rows        []pipeline.Row
	MessageID   string
	RecordCount int
	// Note says why the delivery is there (a late correction, a live game).
	Note string
}

func (d Delivery) String() string {
	s := fmt.Sprintf("+%s %s %s %s (%d rows)", d.After, d.Via, d.Table, d.Date, len(d.Rows))
	if d.Note != "" {
		s += ": " + d.Note
	}
	return s
}

// Kill stops an instance as SIGKILL would, before delivery At; it comes
// back (a new process, a new lease owner) before delivery Restart (never
// when Restart is 0).
type Kill struct {
	At, Restart, Instance int
}

// Scenario is one seeded run: a few weeks of the real season delivered in
// some order, with faults, to several engine instances on one database.
type Scenario struct {
	Seed       uint64
	Name       string
	From, To   pipeline.Date
	Instances  int
	Faults     Faults
	Deliveries []Delivery
	Kills      []Kill
	// Final is every raw partition's content once everything has arrived:
	// the fault-free reference is computed from it.
	Final map[pipeline.PartKey][]pipeline.Row
}

// Incidents the scenarios are named after: the original service's
// failures (SPEC §1), each a way the data arrives that once broke it.
const (
	Race          = "the 92-minute race"
	RetryStorm    = "the 7,139-run retry storm"
	MissingWeek   = "one box score missing for a week"
	ZeroRows      = "zero rows reported as success"
	HalfVisible   = "half-visible DELETE+INSERT"
	DuplicateMerg = "a duplicated MERGE"
	FallbackSplit = "team totals from a partial fallback"
	Disorder      = "disorder"
)

// Incidents lists the scenario kinds, in the order seeds cycle through.
var Incidents = []string{Race, RetryStorm, MissingWeek, ZeroRows, HalfVisible, DuplicateMerg, FallbackSplit, Disorder}

var (
	seasonOnce sync.Once
	seasonRows map[string][]pipeline.Row
	seasonErr  error
)

// Season decodes the embedded real season once: raw table → rows.
func Season() (map[string][]pipeline.Row, error) {
	seasonOnce.Do(func() { seasonRows, seasonErr = dataset.Rows(nba.Catalog) })
	return seasonRows, seasonErr
}

var rawTables = []string{nba.Schedule, nba.Gamebook, nba.TeamBox}

// gen builds a scenario from a seed.
type gen struct {
	rnd   *rand.Rand
	sc    *Scenario
	parts map[pipeline.PartKey][]pipeline.Row // what is delivered first
	extra []Delivery                          // corrections and the like, placed later
	msg   int
}

// NewScenario generates the scenario for seed, with instances engines on
// the database (at least 1). The incident is chosen by the seed.
func NewScenario(seed uint64, instances int) (*Scenario, error) {
	season, err := Season()
	if err != nil {
		return nil, err
	}
	rnd := rand.New(rand.NewPCG(seed, 0xc4a05))
	sc := &Scenario{Seed: seed, Name: Incidents[seed%uint64(len(Incidents))], Instances: max(instances, 1),
		Final: map[pipeline.PartKey][]pipeline.Row{}}
	first, last := pipeline.MustDate("2022-10-18"), pipeline.MustDate("2023-06-12")
	days := 5 + rnd.IntN(8)
	sc.From = first.AddDays(rnd.IntN(int(last-first) - days))
	sc.To = sc.From.AddDays(days - 1)
	g := &gen{rnd: rnd, sc: sc, parts: map[pipeline.PartKey][]pipeline.Row{}}
	for _, name := range rawTables {
		t := nba.Catalog.Table(name)
		for _, r := range season[name] {
			if d := r[t.DateIndex()].(pipeline.Date); d >= sc.From && d <= sc.To {
				k := pipeline.PartKey{Table: name, Date: d}
				g.parts[k] = append(g.parts[k], r)
			}
		}
		if name == nba.Schedule {
			for d := sc.From; d <= sc.To; d++ {
				k := pipeline.PartKey{Table: name, Date: d}
				if g.parts[k] == nil {
					g.parts[k] = []pipeline.Row{} // a day without games
				}
			}
		}
	}
	for k, rows := range g.parts {
		sc.Final[k] = rows
	}
	g.shape()
	g.order()
	g.faults()
	return sc, nil
}

// shape applies the scenario's incident, and a few random disorders, to
// what is delivered and what is final.
func (g *gen) shape() {
	switch g.sc.Name {
	case Race:
		// Every gamebook first; the box scores 92 minutes later.
		g.delayTable(nba.TeamBox, 92*time.Minute)
	case RetryStorm:
		g.liveGames(true)
	case MissingWeek:
		g.lateBox(7 * 24 * time.Hour)
	case ZeroRows:
		g.early()
	case HalfVisible:
		g.halfWritten()
	case DuplicateMerg:
		g.duplicates(1.0)
	case FallbackSplit:
		g.oneTeamGamebook()
	}
	// Whatever the incident, more of the season's everyday disorder.
	for _, f := range []struct {
		p  float64
		fn func()
	}{
		{0.3, g.neverArrives}, {0.2, g.boxNeverArrives}, {0.4, g.correction}, {0.25, func() { g.liveGames(false) }},
		{0.2, g.moved}, {0.4, func() { g.duplicates(0.15) }}, {0.2, g.halfWritten},
	} {
		if g.rnd.Float64() < f.p {
			f.fn()
		}
	}
}

// games lists the game ids a schedule partition holds, in order.
func games(rows []pipeline.Row) []string {
	gi := nba.ScheduleTable.MustCol("game_id")
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r[gi].(string))
	}
	slices.Sort(out)
	return out
}

// pickGame chooses a date of the window with games and one of its games.
func (g *gen) pickGame() (pipeline.Date, string, bool) {
	var dates []pipeline.Date
	for d := g.sc.From; d <= g.sc.To; d++ {
		if len(g.parts[pipeline.PartKey{Table: nba.Schedule, Date: d}]) > 0 {
			dates = append(dates, d)
		}
	}
	if len(dates) == 0 {
		return 0, "", false
	}
	d := dates[g.rnd.IntN(len(dates))]
	gs := games(g.parts[pipeline.PartKey{Table: nba.Schedule, Date: d}])
	return d, gs[g.rnd.IntN(len(gs))], true
}

// without drops a game's rows from rows of t.
func without(t *pipeline.Table, rows []pipeline.Row, game string) []pipeline.Row {
	gi := t.MustCol("game_id")
	return slices.DeleteFunc(slices.Clone(rows), func(r pipeline.Row) bool { return r[gi] == game })
}

// dropGame removes a game's rows of table from what is delivered and what
// is final.
func (g *gen) dropGame(table string, d pipeline.Date, game string) {
	k := pipeline.PartKey{Table: table, Date: d}
	t := nba.Catalog.Table(table)
	g.parts[k] = without(t, g.parts[k], game)
	g.sc.Final[k] = without(t, g.sc.Final[k], game)
}

// neverArrives: a final game whose gamebook and box score never come.
func (g *gen) neverArrives() {
	if d, game, ok := g.pickGame(); ok {
		g.dropGame(nba.Gamebook, d, game)
		g.dropGame(nba.TeamBox, d, game)
	}
}

// boxNeverArrives: the box score never comes; the gamebook does, and the
// team totals are summed from it once the fallback delay has passed.
func (g *gen) boxNeverArrives() {
	if d, game, ok := g.pickGame(); ok {
		g.dropGame(nba.TeamBox, d, game)
	}
}

// correction: a box score is delivered, and later corrected (one team's
// turnovers one higher): the final content is the correction's.
func (g *gen) correction() {
	d, _, ok := g.pickGame()
	k := pipeline.PartKey{Table: nba.TeamBox, Date: d}
	if !ok || len(g.parts[k]) == 0 {
		return
	}
	fixed := slices.Clone(g.sc.Final[k])
	ti := nba.TeamBoxTable.MustCol("turnovers")
	i := g.rnd.IntN(len(fixed))
	fixed[i] = slices.Clone(fixed[i])
	fixed[i][ti] = fixed[i][ti].(int64) + 1
	g.sc.Final[k] = fixed
	g.later(Delivery{Table: k.Table, Date: d, Rows: fixed, Note: "a scorer's correction"}, 30*time.Minute, 30*time.Hour)
}

// liveGames: a date's schedule first arrives while its games are live (no
// scores), and repeatedly (the trigger fires again and again); the final
// schedule comes hours later.
func (g *gen) liveGames(storm bool) {
	d, _, ok := g.pickGame()
	if !ok {
		return
	}
	k := pipeline.PartKey{Table: nba.Schedule, Date: d}
	t := nba.ScheduleTable
	st, text, hs, as := t.MustCol("game_status"), t.MustCol("game_status_text"), t.MustCol("home_score"), t.MustCol("away_score")
	live := make([]pipeline.Row, len(g.parts[k]))
	for i, r := range g.parts[k] {
		r = slices.Clone(r)
		r[st], r[text], r[hs], r[as] = int64(2), "Q3 5:12", nil, nil
		live[i] = r
	}
	g.parts[k] = live
	repeats := 1
	if storm {
		repeats = 20
	}
	for range repeats {
		g.later(Delivery{Table: k.Table, Date: d, Rows: live, Via: ViaRedeliver, Note: "the same message again while the games are live"}, time.Minute, 3*time.Hour)
	}
	g.later(Delivery{Table: k.Table, Date: d, Rows: g.sc.Final[k], Note: "the games are final"}, 3*time.Hour, 6*time.Hour)
}

// moved: a date's schedule first lists a game that is really played the
// next day; a corrected schedule moves it.
func (g *gen) moved() {
	for d := g.sc.From; d < g.sc.To; d++ {
		k, next := pipeline.PartKey{Table: nba.Schedule, Date: d}, pipeline.PartKey{Table: nba.Schedule, Date: d + 1}
		if len(g.parts[k]) == 0 || len(g.parts[next]) == 0 || g.rnd.IntN(3) > 0 {
			continue
		}
		r := slices.Clone(g.parts[next][g.rnd.IntN(len(g.parts[next]))])
		r[nba.ScheduleTable.DateIndex()] = d
		g.parts[k] = append(slices.Clone(g.parts[k]), r)
		g.later(Delivery{Table: k.Table, Date: d, Rows: g.sc.Final[k], Note: "the schedule moves a game to the next day"}, time.Hour, 20*time.Hour)
		return
	}
}

// duplicates delivers each partition again, later, with probability p.
func (g *gen) duplicates(p float64) {
	for _, k := range sortedKeys(g.parts) {
		if g.rnd.Float64() < p {
			g.later(Delivery{Table: k.Table, Date: k.Date, Rows: g.parts[k], Via: ViaRedeliver, Note: "delivered twice"}, 0, 2*time.Hour)
		}
	}
}

// halfWritten: before one partition's rows are complete and announced,
// half of them sit in the table, unannounced.
func (g *gen) halfWritten() {
	d, _, ok := g.pickGame()
	table := rawTables[1+g.rnd.IntN(2)]
	k := pipeline.PartKey{Table: table, Date: d}
	if !ok || len(g.parts[k]) < 2 {
		return
	}
	g.extra = append(g.extra, Delivery{Table: table, Date: d, Rows: g.parts[k][:len(g.parts[k])/2], Via: ViaWrite,
		Note: "half the rows written, not announced"})
}

// early: an announcement arrives before its rows are written.
func (g *gen) early() {
	for range 1 + g.rnd.IntN(3) {
		d, _, ok := g.pickGame()
		k := pipeline.PartKey{Table: rawTables[1+g.rnd.IntN(2)], Date: d}
		if ok && len(g.parts[k]) > 0 {
			g.extra = append(g.extra, Delivery{Table: k.Table, Date: d, Via: ViaEarly, RecordCount: len(g.parts[k]),
				Note: "announced before its rows are written"})
		}
	}
}

// lateBox holds one game's box score back for late.
func (g *gen) lateBox(late time.Duration) {
	d, game, ok := g.pickGame()
	k := pipeline.PartKey{Table: nba.TeamBox, Date: d}
	if !ok || len(g.parts[k]) == 0 {
		return
	}
	g.parts[k] = without(nba.TeamBoxTable, g.parts[k], game)
	g.later(Delivery{Table: k.Table, Date: d, Rows: g.sc.Final[k], Note: "a box score " + late.String() + " late"}, late, late+time.Hour)
}

// oneTeamGamebook: a game's gamebook first holds one team's players only,
// while its box score is overdue; the other team's arrive later.
func (g *gen) oneTeamGamebook() {
	d, game, ok := g.pickGame()
	if !ok {
		return
	}
	gb := pipeline.PartKey{Table: nba.Gamebook, Date: d}
	t := nba.GamebookTable
	gi, team := t.MustCol("game_id"), t.MustCol("team_abbr")
	var one []pipeline.Row
	var keep string
	for _, r := range g.parts[gb] {
		if r[gi] != game {
			one = append(one, r)
			continue
		}
		if keep == "" {
			keep = r[team].(string)
		}
		if r[team] == keep {
			one = append(one, r)
		}
	}
	g.parts[gb] = one
	box := pipeline.PartKey{Table: nba.TeamBox, Date: d}
	g.parts[box] = without(nba.TeamBoxTable, g.parts[box], game)
	g.later(Delivery{Table: gb.Table, Date: d, Rows: g.sc.Final[gb], Note: "the other team's players"}, 3*time.Hour, 8*time.Hour)
	g.later(Delivery{Table: box.Table, Date: d, Rows: g.sc.Final[box], Note: "the overdue box score"}, 5*time.Hour, 12*time.Hour)
}

// later queues a delivery to be placed after the first ones, its delay
// drawn from [least, most].
func (g *gen) later(d Delivery, least, most time.Duration) {
	d.After = least
	if most > least {
		d.After += time.Duration(g.rnd.Int64N(int64(most - least)))
	}
	g.extra = append(g.extra, d)
}

// delayTable makes table's first deliveries come after a pause.
func (g *gen) delayTable(table string, pause time.Duration) {
	for _, k := range sortedKeys(g.parts) {
		if k.Table == table {
			g.later(Delivery{Table: k.Table, Date: k.Date, Rows: g.parts[k], Note: "delayed " + pause.String()}, pause, pause+10*time.Minute)
			delete(g.parts, k)
		}
	}
}

// Delivery orders of the first deliveries.
var orders = []string{"date order", "reversed", "random", "schedule first", "schedule last", "table by table"}

// order places every delivery on the scenario's clock: the partitions'
// first deliveries in one of the orders, the later ones (corrections,
// redeliveries, late box scores) at their delay after their date's first
// delivery, unannounced writes and early announcements just before the
// delivery they precede. It then turns times into delays.
func (g *gen) order() {
	keys := make([]pipeline.PartKey, 0, len(g.parts))
	for k := range g.parts {
		keys = append(keys, k)
	}
	tableRank := map[string]int{nba.Schedule: 0, nba.Gamebook: 1, nba.TeamBox: 2}
	byDate := func(a, b pipeline.PartKey) int {
		if a.Date != b.Date {
			return int(a.Date - b.Date)
		}
		return tableRank[a.Table] - tableRank[b.Table]
	}
	slices.SortFunc(keys, byDate)
	how := orders[g.rnd.IntN(len(orders))]
	switch how {
	case "reversed":
		slices.Reverse(keys)
	case "random":
		g.rnd.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	case "schedule first", "schedule last":
		g.rnd.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		first := how == "schedule first"
		slices.SortStableFunc(keys, func(a, b pipeline.PartKey) int {
			ra, rb := a.Table == nba.Schedule, b.Table == nba.Schedule
			switch {
			case ra == rb:
				return 0
			case ra == first:
				return -1
			}
			return 1
		})
	case "table by table":
		rank := map[string]int{}
		for i, t := range g.rnd.Perm(len(rawTables)) {
			rank[rawTables[t]] = i
		}
		slices.SortStableFunc(keys, func(a, b pipeline.PartKey) int { return rank[a.Table] - rank[b.Table] })
	}
	g.sc.Name += ", " + how
	via := []string{ViaLoad, ViaAnnounce, ""}[g.rnd.IntN(3)] // "": each delivery picks
	type timed struct {
		at time.Duration
		d  Delivery
	}
	var all []timed
	var at time.Duration
	firstOf := map[pipeline.Date]time.Duration{}
	deliveredAt := map[pipeline.PartKey]time.Duration{}
	for _, k := range keys {
		at += g.pause()
		if _, ok := firstOf[k.Date]; !ok {
			firstOf[k.Date] = at
		}
		deliveredAt[k] = at
		all = append(all, timed{at, Delivery{Table: k.Table, Date: k.Date, Rows: g.parts[k]}})
	}
	for _, d := range g.extra {
		// A later delivery of a partition counts from the partition's
		// first (a correction follows what it corrects); one whose first
		// delivery was held back, from its date's first.
		anchor, ok := deliveredAt[pipeline.PartKey{Table: d.Table, Date: d.Date}]
		if !ok {
			if anchor, ok = firstOf[d.Date]; !ok {
				anchor = at
			}
		}
		if d.Via == ViaWrite || d.Via == ViaEarly {
			// Just before the partition's own delivery.
			all = append(all, timed{max(anchor-time.Duration(1+g.rnd.IntN(20))*time.Minute, 0), d})
			continue
		}
		all = append(all, timed{anchor + d.After, d})
	}
	slices.SortStableFunc(all, func(a, b timed) int { return int(a.at - b.at) })
	var prev time.Duration
	for _, t := range all {
		d := t.d
		d.After, prev = t.at-prev, t.at
		if d.Via == "" {
			d.Via = via
			if d.Via == "" {
				d.Via = []string{ViaLoad, ViaAnnounce}[g.rnd.IntN(2)]
			}
		}
		g.sc.Deliveries = append(g.sc.Deliveries, d)
	}
	// What is final is what was delivered last.
	g.sc.Final = map[pipeline.PartKey][]pipeline.Row{}
	for _, d := range g.sc.Deliveries {
		if d.Via == ViaLoad || d.Via == ViaAnnounce {
			g.sc.Final[pipeline.PartKey{Table: d.Table, Date: d.Date}] = d.Rows
		}
	}
	if g.sc.Instances > 1 || g.rnd.IntN(2) == 0 {
		for range g.rnd.IntN(3) {
			n := len(g.sc.Deliveries)
			k := Kill{At: g.rnd.IntN(n), Instance: g.rnd.IntN(g.sc.Instances)}
			if g.rnd.IntN(4) > 0 {
				k.Restart = min(k.At+1+g.rnd.IntN(10), n)
			}
			g.sc.Kills = append(g.sc.Kills, k)
		}
	}
}

// pause is the time between two first deliveries: mostly minutes,
// sometimes hours (past the fallback delay).
func (g *gen) pause() time.Duration {
	switch x := g.rnd.Float64(); {
	case x < 0.6:
		return time.Duration(g.rnd.IntN(300)) * time.Second
	case x < 0.95:
		return time.Duration(5+g.rnd.IntN(120)) * time.Minute
	default:
		return time.Duration(2+g.rnd.IntN(10)) * time.Hour
	}
}

// faults chooses the instances' faults: none in some scenarios, a few
// percent of calls in the others.
func (g *gen) faults() {
	if g.rnd.Float64() < 0.3 {
		return
	}
	g.sc.Faults = Faults{
		StoreError: 0.01 + 0.04*g.rnd.Float64(), AfterCommit: 0.02 * g.rnd.Float64(),
		Latency: 0.1, MaxLatency: 2 * time.Millisecond,
		Panic: 0.01, ProcError: 0.03 * g.rnd.Float64(), Slow: 0.03 * g.rnd.Float64(), SlowFor: 2 * leaseTTL,
	}
}
