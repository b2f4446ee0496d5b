package match

// Request is one student's request in a funding call (a scholarship): the
// same ranking keys as an Applicant, the amount asked, and whether the
// student may receive it.
type Request struct {
	ID         int64
	Score      float64
	Class      int
	Tiebreak   uint64
	Amount     int64 // in the currency's smallest unit, not negative (a negative amount counts as 0); for a call paying a fixed amount per award, that amount
	Eligible   bool
	Ineligible string // reason code when !Eligible
}

// Budget is what a call can give. A limit of 0 is no limit, so a call
// with a number of awards sets Awards, one with a sum of money sets Total,
// and one with both sets both.
type Budget struct {
	Awards int   // most awards; 0 = no limit
	Total  int64 // most money in all; 0 = no limit
}

// AwardOutcome is one request's answer.
type AwardOutcome struct {
	RequestID int64
	Score     float64
	Awarded   bool
	Amount    int64  // awarded; 0 when not
	Reason    string // when not awarded: "ineligible[:code]", "full" (no award left) or "budget" (the money left does not cover the amount)
}

// AwardResult is a whole call's answer.
type AwardResult struct {
	Outcomes   []AwardOutcome // in service order
	Awarded    int
	Spent      int64
	Cutoff     float64 // lowest awarded score; meaningful when Awarded > 0
	AwardsLeft int     // -1 when the number of awards has no limit
	MoneyLeft  int64   // -1 when the money has no limit
}

// Award ranks a call's requests the way Run ranks applicants (class, then
// score, then tiebreak, then id) and, in that order, gives each eligible
// request its amount while an award and enough money are left. A request
// the money left cannot cover is passed over and a later, smaller one may
// still be funded, as a later student may take a seat an earlier one could
// not use; nobody is funded in part.
func Award(requests []Request, b Budget) AwardResult {
	keys := make([]Applicant, len(requests))
	for i, r := range requests {
		keys[i] = Applicant{ID: r.ID, Score: r.Score, Class: r.Class, Tiebreak: r.Tiebreak}
	}
	res := AwardResult{Outcomes: make([]AwardOutcome, 0, len(requests)), AwardsLeft: -1, MoneyLeft: -1}
	if b.Awards > 0 {
		res.AwardsLeft = b.Awards
	}
	if b.Total > 0 {
		res.MoneyLeft = b.Total
	}
	for _, i := range Order(keys) {
		r := requests[i]
		r.Amount = max(r.Amount, 0) // a negative request must not add money to the call
		out := AwardOutcome{RequestID: r.ID, Score: r.Score}
		switch {
		case !r.Eligible:
			out.Reason = IneligibleReason(r.Ineligible)
		case res.AwardsLeft == 0:
			out.Reason = ReasonFull
		case res.MoneyLeft >= 0 && r.Amount > res.MoneyLeft:
			out.Reason = ReasonBudget
		default:
			out.Awarded, out.Amount = true, r.Amount
			if res.AwardsLeft > 0 {
				res.AwardsLeft--
			}
			if res.MoneyLeft >= 0 {
				res.MoneyLeft -= r.Amount
			}
			if res.Awarded == 0 || r.Score < res.Cutoff {
				res.Cutoff = r.Score
			}
			res.Awarded++
			res.Spent += r.Amount
		}
		res.Outcomes = append(res.Outcomes, out)
	}
	return res
}
