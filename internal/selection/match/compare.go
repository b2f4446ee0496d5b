package match

import (
	"cmp"
	"slices"
)

// Diff is what changed between two runs of a round, e.g. two dry runs before
// and after a change of weights, for showing them side by side.
type Diff struct {
	Moved       []Move         // applicants whose placement changed, in b's service order (then those only in a)
	Periods     []PeriodChange // periods whose placed students or cutoff changed, by period id
	PlacedAtA   []int          // a.PlacedAt and b.PlacedAt, padded to the same length
	PlacedAtB   []int
	OrderChange int // how many applicants changed position in the service order
}

// Placement is where an applicant stands in one run; an applicant missing
// from that run reads as unplaced with Position 0.
type Placement struct {
	Position  int // 1-based position in the service order; 0 when absent
	Score     float64
	RankGiven int // 0 = unplaced
	PeriodID  int64
}

// Move is one applicant whose placement differs between a and b.
type Move struct {
	ApplicantID int64
	A, B        Placement
}

// PeriodChange is one period whose placements differ between a and b.
type PeriodChange struct {
	PeriodID               int64
	PlacedA, PlacedB       int
	CutoffA, CutoffB       float64
	HasCutoffA, HasCutoffB bool
	Joined                 []int64 // placed there in b, not in a (b's service order)
	Left                   []int64 // placed there in a, not in b (a's service order)
}

// Compare tells what changed from a to b.
func Compare(a, b Result) Diff {
	pa, pb := placements(a), placements(b)
	var d Diff
	n := max(len(a.PlacedAt), len(b.PlacedAt))
	d.PlacedAtA = append(append([]int{}, a.PlacedAt...), make([]int, n-len(a.PlacedAt))...)
	d.PlacedAtB = append(append([]int{}, b.PlacedAt...), make([]int, n-len(b.PlacedAt))...)

	move := func(id int64) {
		x, y := pa[id], pb[id]
		if x.Position != y.Position {
			d.OrderChange++
		}
		if x.RankGiven != y.RankGiven || x.PeriodID != y.PeriodID {
			d.Moved = append(d.Moved, Move{ApplicantID: id, A: x, B: y})
		}
	}
	for _, o := range b.Outcomes {
		move(o.ApplicantID)
	}
	for _, o := range a.Outcomes {
		if _, ok := pb[o.ApplicantID]; !ok {
			move(o.ApplicantID)
		}
	}

	type members struct{ a, b []int64 }
	per := map[int64]*members{}
	get := func(p int64) *members {
		m := per[p]
		if m == nil {
			m = &members{}
			per[p] = m
		}
		return m
	}
	for _, o := range a.Outcomes {
		if o.RankGiven != 0 {
			get(o.PeriodID).a = append(get(o.PeriodID).a, o.ApplicantID)
		}
	}
	for _, o := range b.Outcomes {
		if o.RankGiven != 0 {
			get(o.PeriodID).b = append(get(o.PeriodID).b, o.ApplicantID)
		}
	}
	for p := range a.Cutoff {
		get(p)
	}
	for p := range b.Cutoff {
		get(p)
	}
	for p, m := range per {
		c := PeriodChange{PeriodID: p, PlacedA: len(m.a), PlacedB: len(m.b)}
		c.CutoffA, c.HasCutoffA = a.Cutoff[p]
		c.CutoffB, c.HasCutoffB = b.Cutoff[p]
		c.Joined = minus(m.b, m.a)
		c.Left = minus(m.a, m.b)
		if len(c.Joined) > 0 || len(c.Left) > 0 || c.HasCutoffA != c.HasCutoffB || c.CutoffA != c.CutoffB {
			d.Periods = append(d.Periods, c)
		}
	}
	slices.SortFunc(d.Periods, func(x, y PeriodChange) int { return cmp.Compare(x.PeriodID, y.PeriodID) })
	return d
}

func placements(r Result) map[int64]Placement {
	m := make(map[int64]Placement, len(r.Outcomes))
	for i, o := range r.Outcomes {
		m[o.ApplicantID] = Placement{Position: i + 1, Score: o.Score, RankGiven: o.RankGiven, PeriodID: o.PeriodID}
	}
	return m
}

// minus returns the ids of xs not in ys, in xs's order.
func minus(xs, ys []int64) []int64 {
	in := make(map[int64]bool, len(ys))
	for _, y := range ys {
		in[y] = true
	}
	var out []int64
	for _, x := range xs {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}
