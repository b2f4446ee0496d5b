package api

import (
	"testing"
	"time"
)

func TestATokenPastItsBurstWaitsForTheRate(t *testing.T) {
	l := NewLimiter(2, 3)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.Allow(7, at); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow(7, at)
	if ok || wait <= 0 {
		t.Fatalf("the fourth request at once passed (wait %v)", wait)
	}
	if ok, _ := l.Allow(8, at); !ok {
		t.Error("another token has its own bucket")
	}
	if ok, _ := l.Allow(7, at.Add(600*time.Millisecond)); !ok {
		t.Error("after half a second at 2 a second one more request passes")
	}
}
