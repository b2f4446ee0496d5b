package match

import (
	"fmt"
	"io"
	"reflect"
	"testing"
)

// The figures: 5,000 applicants with 3 choices over 600 periods
// must run far under a second, 50,000 (over 6,000 periods) under ten, the
// cost growing linearly.
func BenchmarkRun(b *testing.B) {
	for _, size := range []struct{ n, m int }{{5000, 600}, {50000, 6000}} {
		as, ss := Synthetic(size.n, 3, size.m, 1)
		b.Run(fmt.Sprintf("%d_applicants_%d_periods", size.n, size.m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Run(as, ss)
			}
		})
	}
}

func BenchmarkWriteResult(b *testing.B) {
	as, ss := Synthetic(5000, 3, 600, 1)
	r := Run(as, ss)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteResult(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

func TestASyntheticRoundHasRealCompetitionAndKeepsEveryRule(t *testing.T) {
	as, ss := Synthetic(5000, 3, 600, 1)
	r := Run(as, ss)
	checkRound(t, 0, as, ss, r)
	if r.PlacedAt[1] < 1500 || r.PlacedAt[2] < 300 || r.PlacedAt[3] < 100 || r.PlacedAt[0] < 300 {
		t.Fatalf("placed at %v: too little competition to measure", r.PlacedAt)
	}
	t.Logf("placed at choice 1, 2, 3: %d, %d, %d; unplaced %d", r.PlacedAt[1], r.PlacedAt[2], r.PlacedAt[3], r.PlacedAt[0])
	again, _ := Synthetic(5000, 3, 600, 1)
	if !reflect.DeepEqual(Run(again, ss), r) {
		t.Fatal("the same arguments made another round")
	}
}
