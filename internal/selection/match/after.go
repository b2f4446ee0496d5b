package match

// Waiting is one applicant in a period's queue after a round.
type Waiting struct {
	ApplicantID int64
	Score       float64
	Rank        int // the rank they gave the period
	RankGiven   int // what they hold from the round: 0 = nothing, else a choice ranked below this one
}

// Waitlists are each period's queue after a round, in service order: the
// applicants who chose the period, were eligible for it, and did not get
// it because its seats or its agreement's quota went to applicants served
// earlier. A freed seat goes to the first of them who can still take it.
// Those who hold a lower choice are included with their RankGiven, so the
// caller decides whether an upgrade may cascade; publishing waitlists only
// the unplaced (RankGiven 0).
func Waitlists(r Result) map[int64][]Waiting {
	out := map[int64][]Waiting{}
	for _, o := range r.Outcomes {
		for _, s := range o.Skipped {
			if s.Reason == ReasonFull || s.Reason == ReasonQuota {
				out[s.PeriodID] = append(out[s.PeriodID], Waiting{ApplicantID: o.ApplicantID, Score: o.Score, Rank: s.Rank, RankGiven: o.RankGiven})
			}
		}
	}
	return out
}

// Next is the placement of an applicant whose placement at rank after was
// refused (a host rejected them): their highest choice ranked below it that
// is eligible and still has a seat and quota in seats, which the caller
// reads as they stand now, after everyone already nominated. Nobody is
// bumped, because only seats still free are offered. Skipped explains the
// choices between.
func Next(a Applicant, after int, seats []Seat) Outcome {
	rest := a
	rest.Choices = nil
	for _, c := range a.Choices {
		if c.Rank > after {
			rest.Choices = append(rest.Choices, c)
		}
	}
	return Run([]Applicant{rest}, seats).Outcomes[0]
}
