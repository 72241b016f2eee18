package nba

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The Basketball-Reference formulas of SPEC §4. They work on plain numbers so
// that every processor and test shares one definition of each.

const (
	// regulationMinutes is Tm MP of a game without overtime: five players
	// on the floor for 48 minutes.
	regulationMinutes = 240.0
	// overtimeMinutes is what one five-minute overtime adds to Tm MP.
	overtimeMinutes = 25.0
	// usageCap is B-Ref's printed maximum: players with seconds on the floor
	// and one shot would otherwise get usages in the thousands.
	usageCap = 100.0
)

// stats are the counting stats of one player or one team in one game.
type stats struct {
	pts, fg, fga, fg3, fg3a, ft, fta, orb, drb, trb, ast, stl, blk, tov, pf int64
}

// fields lists the stats in the order of every table's stat columns
// (points first), so reading and writing them is one loop.
func (s *stats) fields() [15]*int64 {
	return [...]*int64{&s.pts, &s.fg, &s.fga, &s.fg3, &s.fg3a, &s.ft, &s.fta, &s.orb, &s.drb,
		&s.trb, &s.ast, &s.stl, &s.blk, &s.tov, &s.pf}
}

func (s *stats) add(o stats) {
	dst, src := s.fields(), o.fields()
	for i := range dst {
		*dst[i] += *src[i]
	}
}

// parseClock turns "MM:SS" (a player's minutes) or "MMM:SS" (a team's) into
// decimal minutes, keeping the seconds.
func parseClock(s string) (float64, error) {
	m, sec, ok := strings.Cut(s, ":")
	mins, err1 := strconv.Atoi(m)
	secs, err2 := strconv.Atoi(sec)
	if !ok || err1 != nil || err2 != nil || mins < 0 || secs < 0 || secs > 59 || len(sec) != 2 {
		return 0, fmt.Errorf("not minutes as MM:SS: %q", s)
	}
	return float64(mins) + float64(secs)/60, nil
}

// overtimePeriods derives the number of overtimes from Tm MP ("265:00" is
// one). Rounding absorbs a stray second in a summed fallback; a short total
// never yields a negative count.
func overtimePeriods(teamMinutes float64) int64 {
	return max(0, int64(math.Round((teamMinutes-regulationMinutes)/overtimeMinutes)))
}

// halfPossessions is B-Ref's H(a, b): one team's possession estimate given
// its opponent's defensive rebounds.
func halfPossessions(a, b stats) float64 {
	orbShare := 0.0
	if a.orb+b.drb > 0 {
		orbShare = float64(a.orb) / float64(a.orb+b.drb)
	}
	return float64(a.fga) + 0.4*float64(a.fta) - 1.07*orbShare*float64(a.fga-a.fg) + float64(a.tov)
}

// possessions is B-Ref's Poss, one value shared by both teams of a game;
// it is symmetric in its arguments down to the last bit because float
// addition commutes.
func possessions(a, b stats) float64 {
	return 0.5 * (halfPossessions(a, b) + halfPossessions(b, a))
}

// pace is possessions per 48 minutes. A zero Tm MP only happens with broken
// input; it yields 0, which every range check rejects.
func pace(poss, teamMinutes float64) float64 {
	if teamMinutes <= 0 {
		return 0
	}
	return 48 * poss / (teamMinutes / 5)
}

// rating is points per 100 possessions (ORtg with own points, DRtg with the
// opponent's). Zero possessions yield 0, which the range checks reject.
func rating(points int64, poss float64) float64 {
	if poss <= 0 {
		return 0
	}
	return 100 * float64(points) / poss
}

// tsPct is true shooting percentage as a fraction; ok is false when the
// player took no shots, which is stored as NULL.
func tsPct(pts, fga, fta int64) (v float64, ok bool) {
	d := 2 * (float64(fga) + 0.44*float64(fta))
	if d == 0 {
		return 0, false
	}
	return float64(pts) / d, true
}

// efgPct is effective field goal percentage; ok is false when FGA is 0.
func efgPct(fg, fg3, fga int64) (v float64, ok bool) {
	if fga == 0 {
		return 0, false
	}
	return (float64(fg) + 0.5*float64(fg3)) / float64(fga), true
}

// usageRate is B-Ref's USG%: the share of team plays a player used while on
// the floor, capped at 100. ok is false when the player has no minutes or the
// team totals are empty: the rate is undefined, not zero.
func usageRate(player stats, minutes float64, team stats, teamMinutes float64) (v float64, ok bool) {
	teamPlays := float64(team.fga) + 0.44*float64(team.fta) + float64(team.tov)
	if minutes <= 0 || teamPlays <= 0 || teamMinutes <= 0 {
		return 0, false
	}
	plays := float64(player.fga) + 0.44*float64(player.fta) + float64(player.tov)
	u := 100 * (plays * (teamMinutes / 5)) / (minutes * teamPlays)
	return min(u, usageCap), true
}

// nullable turns an (value, ok) result into a row value: nil is NULL.
func nullable(v float64, ok bool) any {
	if !ok {
		return nil
	}
	return v
}
