package match

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestTheWaitlistsHoldThoseWhoLostASeatToSomeoneServedEarlierInServiceOrder(t *testing.T) {
	applicants := []Applicant{
		{ID: 1, Score: 80, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 10, Eligible: true}, {Rank: 2, PeriodID: 20, Eligible: true}}},
		{ID: 2, Score: 90, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 10, Eligible: true}}},
		{ID: 3, Score: 70, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 10, Eligible: true}, {Rank: 2, PeriodID: 20, Eligible: true}}},
		{ID: 4, Score: 99, Class: 1, Choices: []Choice{{Rank: 1, PeriodID: 10, Eligible: false, Ineligible: "language"}}},
	}
	r := Run(applicants, []Seat{{PeriodID: 10, CapacityLeft: 1}, {PeriodID: 20, CapacityLeft: 1}})
	want := map[int64][]Waiting{
		10: {{ApplicantID: 1, Score: 80, Rank: 1, RankGiven: 2}, {ApplicantID: 3, Score: 70, Rank: 1, RankGiven: 0}},
		20: {{ApplicantID: 3, Score: 70, Rank: 2, RankGiven: 0}},
	}
	if got := Waitlists(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("waitlists %+v, want %+v", got, want)
	}
}

func TestAfterAHostRejectsTheStudentGetsTheirNextChoiceWithASeatLeft(t *testing.T) {
	a := Applicant{ID: 1, Score: 80, Class: 1, Choices: []Choice{
		{Rank: 3, PeriodID: 30, Eligible: true},
		{Rank: 1, PeriodID: 10, Eligible: true},
		{Rank: 2, PeriodID: 20, Eligible: true},
	}}
	// Period 20 filled up with students nominated in the round; 30 has a seat.
	seats := []Seat{{PeriodID: 10, CapacityLeft: 5}, {PeriodID: 20, CapacityLeft: 0}, {PeriodID: 30, CapacityLeft: 1}}
	got := Next(a, 1, seats)
	want := Outcome{ApplicantID: 1, Score: 80, RankGiven: 3, PeriodID: 30, Skipped: []Skip{{Rank: 2, PeriodID: 20, Reason: ReasonFull}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("next %+v, want %+v", got, want)
	}
	if got := Next(a, 3, seats); got.RankGiven != 0 || len(got.Skipped) != 0 {
		t.Fatalf("after the last choice: %+v", got)
	}
}

func TestAwardsFollowTheRankingWithinTheNumberOfAwardsAndTheMoney(t *testing.T) {
	requests := []Request{
		{ID: 1, Score: 95, Class: 1, Amount: 600, Eligible: true},
		{ID: 2, Score: 90, Class: 1, Amount: 500, Eligible: true}, // 400 left: passed over
		{ID: 3, Score: 85, Class: 1, Amount: 300, Eligible: true}, // fits
		{ID: 4, Score: 99, Class: 1, Amount: 10, Eligible: false, Ineligible: "no_placement"},
		{ID: 5, Score: 80, Class: 1, Amount: 100, Eligible: true}, // third award: the count is reached
		{ID: 6, Score: 60, Class: 2, Amount: 1, Eligible: true},   // class 2 after everyone
	}
	r := Award(requests, Budget{Awards: 3, Total: 1000})
	var order []int64
	reasons := map[int64]string{}
	for _, o := range r.Outcomes {
		order = append(order, o.RequestID)
		reasons[o.RequestID] = o.Reason
	}
	if !reflect.DeepEqual(order, []int64{4, 1, 2, 3, 5, 6}) {
		t.Fatalf("order %v", order)
	}
	want := map[int64]string{4: "ineligible:no_placement", 1: "", 2: ReasonBudget, 3: "", 5: "", 6: ReasonFull}
	if !reflect.DeepEqual(reasons, want) {
		t.Fatalf("reasons %v, want %v", reasons, want)
	}
	if r.Awarded != 3 || r.Spent != 1000 || r.Cutoff != 80 || r.AwardsLeft != 0 || r.MoneyLeft != 0 {
		t.Fatalf("result %+v", r)
	}
	if u := Award(requests, Budget{}); u.Awarded != 5 || u.AwardsLeft != -1 || u.MoneyLeft != -1 {
		t.Fatalf("a call without limits: %+v", u)
	}
}

func TestRandomCallsStayWithinBudgetAndPassOverOnlyWhatCannotBePaid(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 11))
	for round := range 1000 {
		var requests []Request
		for i := range rng.IntN(40) {
			requests = append(requests, Request{ID: int64(i + 1), Score: float64(rng.IntN(10)), Class: 1 + rng.IntN(2),
				Tiebreak: rng.Uint64N(3), Amount: rng.Int64N(500) - 20, Eligible: rng.IntN(8) > 0})
		}
		b := Budget{Awards: rng.IntN(6), Total: rng.Int64N(2000)}
		r := Award(requests, b)
		awarded, spent := 0, int64(0)
		byID := map[int64]Request{}
		for _, q := range requests {
			byID[q.ID] = q
		}
		for i, o := range r.Outcomes {
			q := byID[o.RequestID]
			if i > 0 {
				p := byID[r.Outcomes[i-1].RequestID]
				if !Less(&Applicant{ID: p.ID, Score: p.Score, Class: p.Class, Tiebreak: p.Tiebreak}, &Applicant{ID: q.ID, Score: q.Score, Class: q.Class, Tiebreak: q.Tiebreak}) {
					t.Fatalf("round %d: request %d served out of order", round, q.ID)
				}
			}
			amount := max(q.Amount, 0)
			countLeft := b.Awards == 0 || awarded < b.Awards
			moneyLeft := b.Total == 0 || spent+amount <= b.Total
			switch {
			case o.Awarded != (q.Eligible && countLeft && moneyLeft):
				t.Fatalf("round %d: request %d awarded %v (eligible %v, an award left %v, money left %v)", round, q.ID, o.Awarded, q.Eligible, countLeft, moneyLeft)
			case o.Awarded:
				awarded++
				spent += amount
			}
		}
		if r.Awarded != awarded || r.Spent != spent || (b.Total > 0 && spent > b.Total) || (b.Awards > 0 && awarded > b.Awards) {
			t.Fatalf("round %d: %d awarded for %d, spent %d of %d", round, awarded, b.Awards, spent, b.Total)
		}
	}
}
