package match

import (
	"reflect"
	"testing"
)

func TestComparingTwoDryRunsShowsWhoMovedAndEachPeriodsChange(t *testing.T) {
	round := func(scoreOf3 float64) []Applicant {
		return []Applicant{
			{ID: 1, Score: 90, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 10, Eligible: true}, {Rank: 2, PeriodID: 20, Eligible: true}}},
			{ID: 2, Score: 80, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 10, Eligible: true}, {Rank: 2, PeriodID: 20, Eligible: true}}},
			{ID: 3, Score: scoreOf3, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 10, Eligible: true}}},
			{ID: 4, Score: 50, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 30, Eligible: true}}},
		}
	}
	seats := []Seat{{PeriodID: 10, CapacityLeft: 2}, {PeriodID: 20, CapacityLeft: 1}, {PeriodID: 30, CapacityLeft: 1}}
	// A change of weights lifts applicant 3 from 70 to 85: they take
	// applicant 2's seat at period 10, and 2 goes to their second choice.
	a, b := Run(round(70), seats), Run(round(85), seats)
	d := Compare(a, b)
	wantMoved := []Move{
		{ApplicantID: 3, A: Placement{Position: 3, Score: 70}, B: Placement{Position: 2, Score: 85, RankGiven: 1, PeriodID: 10}},
		{ApplicantID: 2, A: Placement{Position: 2, Score: 80, RankGiven: 1, PeriodID: 10}, B: Placement{Position: 3, Score: 80, RankGiven: 2, PeriodID: 20}},
	}
	if !reflect.DeepEqual(d.Moved, wantMoved) {
		t.Fatalf("moved %+v\nwant %+v", d.Moved, wantMoved)
	}
	wantPeriods := []PeriodChange{
		{PeriodID: 10, PlacedA: 2, PlacedB: 2, CutoffA: 80, CutoffB: 85, HasCutoffA: true, HasCutoffB: true, Joined: []int64{3}, Left: []int64{2}},
		{PeriodID: 20, PlacedA: 0, PlacedB: 1, CutoffB: 80, HasCutoffB: true, Joined: []int64{2}},
	}
	if !reflect.DeepEqual(d.Periods, wantPeriods) {
		t.Fatalf("periods %+v\nwant %+v", d.Periods, wantPeriods)
	}
	if d.OrderChange != 2 || !reflect.DeepEqual(d.PlacedAtA, []int{1, 3, 0, 0}) || !reflect.DeepEqual(d.PlacedAtB, []int{0, 3, 1, 0}) {
		t.Fatalf("order changes %d, placed at %v then %v", d.OrderChange, d.PlacedAtA, d.PlacedAtB)
	}
}
