package match

import (
	"math"
	"math/rand/v2"
)

// Synthetic makes a round with real competition, for the benchmark, the
// figures of `make bench` and a demonstration: n applicants (ids 1..n)
// with k distinct choices each over m periods (ids 1..m) holding about 0.8
// seats per applicant, a few popular periods chosen far more than others,
// every three periods sharing one agreement whose yearly quota is below
// their seats (every fifth period under none), scores from 60 to 100 with
// one decimal (so some are equal), one applicant in ten in priority class
// 2, one choice in twelve ineligible, and tiebreaks drawn by Lottery from
// seed. The same arguments give the same round.
func Synthetic(n, k, m int, seed uint64) ([]Applicant, []Seat) {
	rng := rand.New(rand.NewPCG(seed, 0x5e1ec7))
	m = max(m, 1)
	k = min(k, m)
	seats := make([]Seat, m)
	perPeriod := max(1, int(math.Round(1.6*float64(n)/float64(m)))) // mean capacity ~ 0.8 seats per applicant
	for p := range seats {
		seats[p] = Seat{PeriodID: int64(p + 1), CapacityLeft: 1 + rng.IntN(perPeriod)}
	}
	for first := 0; first < m; first += 3 {
		group := seats[first:min(first+3, m)]
		total := 0
		for _, s := range group {
			total += s.CapacityLeft
		}
		agreement, quota := int64(first/3+1), max(1, total*7/10)
		for i := range group {
			if (first+i)%5 != 4 {
				group[i].AgreementID, group[i].QuotaLeft = agreement, quota
			}
		}
	}
	reasons := [...]string{"year_of_study", "language", "overlap"}
	applicants := make([]Applicant, n)
	choices := make([]Choice, n*k) // one backing array: the round is built in few allocations
	for i := range applicants {
		id := int64(i + 1)
		score := 60 + 40*(rng.Float64()+rng.Float64()+rng.Float64())/3
		a := Applicant{ID: id, Score: math.Round(score*10) / 10, Class: 1, Tiebreak: Draw(int64(seed), id)}
		if rng.IntN(10) == 0 {
			a.Class = 2
		}
		a.Choices = choices[i*k : i*k : (i+1)*k]
		for len(a.Choices) < k {
			u := rng.Float64()
			period := int64(float64(m)*u*u) + 1 // skewed: low ids are popular
			dup := false
			for _, c := range a.Choices {
				dup = dup || c.PeriodID == period
			}
			if dup {
				continue
			}
			c := Choice{Rank: len(a.Choices) + 1, PeriodID: period, Eligible: true}
			if rng.IntN(12) == 0 {
				c.Eligible, c.Ineligible = false, reasons[rng.IntN(len(reasons))]
			}
			a.Choices = append(a.Choices, c)
		}
		applicants[i] = a
	}
	return applicants, seats
}
