package match

import (
	"cmp"
	"math"
	"slices"
)

// Applicant is one student (or one funding request) taking part in a round.
type Applicant struct {
	ID       int64
	Score    float64
	Class    int    // priority class: 1 is served before 2, whatever the scores
	Tiebreak uint64 // smaller first among equal class and score; from Lottery
	Choices  []Choice
}

// Choice is one ranked wish of an applicant. Eligibility is decided by the
// caller (year of study, language, overlap with a placement already held),
// because it needs the database; the engine only honours it.
type Choice struct {
	Rank       int // 1 = first choice
	PeriodID   int64
	Eligible   bool
	Ineligible string // reason code when !Eligible, e.g. "year_of_study", "language", "overlap"
}

// Seat is what a period still offers when the round runs.
type Seat struct {
	PeriodID     int64
	CapacityLeft int
	AgreementID  int64 // 0 = the period counts against no quota
	QuotaLeft    int   // the agreement's yearly quota still free; rows of one agreement should agree, the smallest is used
}

// Outcome is one applicant's placement and the reasons behind it.
type Outcome struct {
	ApplicantID int64
	Score       float64
	RankGiven   int   // 0 = unplaced
	PeriodID    int64 // 0 when unplaced
	Skipped     []Skip
}

// Skip says why one choice ranked above the placement (every choice, when
// unplaced) was not given.
type Skip struct {
	Rank     int
	PeriodID int64
	Reason   string    // see the Reason* constants
	TakenBy  []float64 // scores of those placed before, best first (the period's for "full", the agreement's for "quota"); shared, read-only
}

// The skip reasons. An ineligible choice's reason is ReasonIneligible + ":" +
// its code ("ineligible:language"), or just "ineligible" without a code.
const (
	ReasonIneligible = "ineligible"
	ReasonFull       = "full"        // the period's seats went to applicants served earlier
	ReasonQuota      = "quota"       // the agreement's yearly quota went to applicants served earlier
	ReasonNotOffered = "not_offered" // the period has no seat row in this round
	ReasonBudget     = "budget"      // Award only: the remaining money does not cover the request
)

// Result is a whole round's outcome.
type Result struct {
	Outcomes  []Outcome         // in service order
	Cutoff    map[int64]float64 // period -> lowest placed score; absent when nobody was placed there
	SeatsLeft map[int64]int     // period -> seats left after the round, for every period in seats
	PlacedAt  []int             // [0] = unplaced, [r] = placed at their r-th choice; len >= 4
}

// Less reports whether a is served before b: class ascending, then score
// descending, then tiebreak ascending, then id ascending. A NaN score counts
// as the lowest, so the order stays total.
func Less(a, b *Applicant) bool { return compare(a, b) < 0 }

func compare(a, b *Applicant) int {
	if c := cmp.Compare(a.Class, b.Class); c != 0 {
		return c
	}
	if c := cmp.Compare(orderScore(b.Score), orderScore(a.Score)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Tiebreak, b.Tiebreak); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func orderScore(s float64) float64 {
	if math.IsNaN(s) {
		return math.Inf(-1)
	}
	return s
}

// Order returns the indexes of applicants in service order. Equal keys
// (duplicate ids) keep their input order, so the order is deterministic.
func Order(applicants []Applicant) []int {
	// The keys are sorted in one contiguous slice rather than through
	// indexes into applicants: at 50,000 applicants that halves the sort.
	type key struct {
		class    int
		score    float64
		tiebreak uint64
		id       int64
		index    int
	}
	keys := make([]key, len(applicants))
	for i := range applicants {
		a := &applicants[i]
		keys[i] = key{a.Class, orderScore(a.Score), a.Tiebreak, a.ID, i}
	}
	slices.SortFunc(keys, func(x, y key) int { // a total order, so an unstable sort is deterministic
		if x.class != y.class {
			return cmp.Compare(x.class, y.class)
		}
		if x.score != y.score {
			return cmp.Compare(y.score, x.score)
		}
		if x.tiebreak != y.tiebreak {
			return cmp.Compare(x.tiebreak, y.tiebreak)
		}
		if x.id != y.id {
			return cmp.Compare(x.id, y.id)
		}
		return cmp.Compare(x.index, y.index)
	})
	idx := make([]int, len(keys))
	for i, k := range keys {
		idx[i] = k.index
	}
	return idx
}

type periodState struct {
	left   int
	agr    *agreementState // nil = no quota
	scores []float64       // placed scores, in service order (so best first within a class)
}

type agreementState struct {
	left   int
	scores []float64
}

// Run places applicants by serial dictatorship: in service order (see Less),
// each gets their highest-ranked eligible choice whose period has a seat left
// and whose agreement has quota left. With one common ranking of students,
// this is exactly what student-proposing deferred acceptance gives. The
// inputs are not modified.
func Run(applicants []Applicant, seats []Seat) Result {
	periods := make(map[int64]*periodState, len(seats))
	agreements := map[int64]*agreementState{}
	for _, s := range seats {
		if _, dup := periods[s.PeriodID]; dup {
			continue // the first row of a period counts
		}
		p := &periodState{left: max(s.CapacityLeft, 0)}
		p.scores = make([]float64, 0, min(p.left, len(applicants)))
		if s.AgreementID != 0 {
			a := agreements[s.AgreementID]
			if a == nil {
				a = &agreementState{left: max(s.QuotaLeft, 0)}
				agreements[s.AgreementID] = a
			} else {
				a.left = min(a.left, max(s.QuotaLeft, 0))
			}
			p.agr = a
		}
		periods[s.PeriodID] = p
	}

	res := Result{
		Outcomes:  make([]Outcome, 0, len(applicants)),
		Cutoff:    map[int64]float64{},
		SeatsLeft: make(map[int64]int, len(periods)),
		PlacedAt:  make([]int, 4),
	}
	var sorted []Choice
	var skips []Skip // one backing array for many outcomes' skips: few allocations at 50,000 applicants
	byRank := func(x, y Choice) int { return cmp.Compare(x.Rank, y.Rank) }
	for _, i := range Order(applicants) {
		a := &applicants[i]
		choices := a.Choices
		if !slices.IsSortedFunc(choices, byRank) { // callers usually list choices by rank: copy only when not
			sorted = append(sorted[:0], choices...)
			slices.SortStableFunc(sorted, byRank)
			choices = sorted
		}
		if cap(skips)-len(skips) < len(choices) {
			skips = make([]Skip, 0, max(1024, len(choices)))
		}
		out := Outcome{ApplicantID: a.ID, Score: a.Score}
		first := len(skips)
		for _, c := range choices {
			got := false
			p := periods[c.PeriodID]
			skip := Skip{Rank: c.Rank, PeriodID: c.PeriodID}
			switch {
			case !c.Eligible:
				skip.Reason = IneligibleReason(c.Ineligible)
			case p == nil:
				skip.Reason = ReasonNotOffered
			case p.left <= 0:
				skip.Reason = ReasonFull
				skip.TakenBy = shared(p.scores)
			case p.agr != nil && p.agr.left <= 0:
				skip.Reason = ReasonQuota
				skip.TakenBy = shared(p.agr.scores)
			default:
				p.left--
				p.scores = append(p.scores, a.Score)
				if p.agr != nil {
					p.agr.left--
					p.agr.scores = append(p.agr.scores, a.Score)
				}
				out.RankGiven, out.PeriodID = c.Rank, c.PeriodID
				got = true
				if cut, ok := res.Cutoff[c.PeriodID]; !ok || a.Score < cut {
					res.Cutoff[c.PeriodID] = a.Score
				}
			}
			if got {
				break
			}
			skips = append(skips, skip)
		}
		if len(skips) > first {
			out.Skipped = skips[first:len(skips):len(skips)]
		}
		placed(&res, out.RankGiven)
		res.Outcomes = append(res.Outcomes, out)
	}
	for id, p := range periods {
		res.SeatsLeft[id] = p.left
	}
	return res
}

// shared is the scores of a full period or agreement for every skip that
// names it: no copy, since nothing is added once full, and capped so that
// an append by the caller copies instead of writing into the engine's
// array. Nil when the seats were gone before the round.
func shared(scores []float64) []float64 {
	if len(scores) == 0 {
		return nil
	}
	return scores[:len(scores):len(scores)]
}

// placed counts one outcome in PlacedAt, growing it for ranks above 3.
func placed(res *Result, rank int) {
	if rank < 0 {
		rank = 0
	}
	for len(res.PlacedAt) <= rank {
		res.PlacedAt = append(res.PlacedAt, 0)
	}
	res.PlacedAt[rank]++
}

// IneligibleReason is the skip reason of an ineligible choice with code.
func IneligibleReason(code string) string {
	if code == "" {
		return ReasonIneligible
	}
	return ReasonIneligible + ":" + code
}
