package report

import (
	"math/rand"
	"testing"
)

// The pipeline's percentiles, read off a histogram of days, are the ones
// Percentile gives over every application's days written out.
func TestPercentileOfAHistogramIsPercentileOfItsValues(t *testing.T) {
	rng := rand.New(rand.NewSource(87))
	for range 500 {
		var h []dayCount
		var values []int
		n := 0
		for days := 0; days < 40; days++ {
			if rng.Intn(3) > 0 {
				continue
			}
			c := dayCount{N: 1 + rng.Intn(5), days: days}
			h = append(h, c)
			for range c.N {
				values = append(values, days)
			}
			n += c.N
		}
		for _, p := range []float64{0.01, 0.5, 0.9, 1} {
			if got, want := percentileOf(h, n, p), Percentile(values, p); got != want {
				t.Fatalf("p%.0f of %v: %d, want %d", p*100, values, got, want)
			}
		}
	}
}
