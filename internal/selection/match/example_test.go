package match_test

import (
	"fmt"
	"os"

	"portal/internal/selection/match"
)

// Two seats at Kumamoto, three students who want them: the two best
// scores get them, the third gets their second choice and is told why.
func ExampleRun() {
	const kumamoto, leiden = 10, 20
	applicants := []match.Applicant{
		{ID: 1, Score: 88.1, Class: 1, Choices: []match.Choice{{Rank: 1, PeriodID: kumamoto, Eligible: true}, {Rank: 2, PeriodID: leiden, Eligible: true}}},
		{ID: 2, Score: 91.2, Class: 1, Choices: []match.Choice{{Rank: 1, PeriodID: kumamoto, Eligible: true}}},
		{ID: 3, Score: 89.5, Class: 1, Choices: []match.Choice{{Rank: 1, PeriodID: kumamoto, Eligible: true}}},
	}
	seats := []match.Seat{{PeriodID: kumamoto, CapacityLeft: 2}, {PeriodID: leiden, CapacityLeft: 4}}
	r := match.Run(applicants, seats)
	for _, o := range r.Outcomes {
		fmt.Printf("applicant %d (%v): choice %d", o.ApplicantID, o.Score, o.RankGiven)
		for _, s := range o.Skipped {
			fmt.Printf("; choice %d %s, went to %v", s.Rank, s.Reason, s.TakenBy)
		}
		fmt.Println()
	}
	fmt.Println("placed at choice 1, 2, 3:", r.PlacedAt[1], r.PlacedAt[2], r.PlacedAt[3], "unplaced:", r.PlacedAt[0])
	_ = match.WriteResult(os.Stdout, r)
	// Output:
	// applicant 2 (91.2): choice 1
	// applicant 3 (89.5): choice 1
	// applicant 1 (88.1): choice 2; choice 1 full, went to [91.2 89.5]
	// placed at choice 1, 2, 3: 2 1 0 unplaced: 0
	// applicant_id,rank_given,period_id,cutoff_score,reason
	// 2,1,10,89.5,
	// 3,1,10,89.5,
	// 1,2,20,88.1,1:full
}
