package nba

import p "github.com/statgate/statgate/internal/pipeline"

// Processors lists the Phase 3 processors in the order SPEC §4 gives them.
// The engine derives the graph from their declared inputs; this order is
// only for display. A new processor is one new file and one line here.
func Processors() []p.Processor {
	return []p.Processor{
		TeamOffenseProcessor{},
		TeamDefenseProcessor{},
		PlayerGameProcessor{},
		UpcomingTeamProcessor{},
		UpcomingPlayerProcessor{},
	}
}
