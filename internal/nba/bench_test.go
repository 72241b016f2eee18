package nba

import "testing"

// BenchmarkSeasonCompute is the pure computation of all five tables for the
// whole 2022-23 season, in dependency order, from rows decoded before the
// timer starts: no database, no decoding, no checks.
func BenchmarkSeasonCompute(b *testing.B) {
	s := season(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := computeAll(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeasonChecks evaluates every check over the computed season.
func BenchmarkSeasonChecks(b *testing.B) {
	s := season(b)
	parts := seasonOutputs(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, proc := range Processors() {
			for _, d := range s.dates {
				_ = runChecks(proc, d, parts)
			}
		}
	}
}
