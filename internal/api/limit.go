package api

import (
	"math"
	"sync"
	"time"
)

// Limiter is a token bucket per API token: a script may burst up to
// Burst requests, then Rate per second. It lives in one process; behind
// several replicas each allows as much, which still bounds a runaway
// script.
type Limiter struct {
	Rate  float64 // requests per second, refilled continuously
	Burst float64
	mu    sync.Mutex
	b     map[int64]*bucket
}

type bucket struct {
	left float64
	at   time.Time
}

// NewLimiter allows burst requests at once and rate per second after.
func NewLimiter(rate, burst float64) *Limiter {
	return &Limiter{Rate: rate, Burst: burst, b: map[int64]*bucket{}}
}

// Allow takes one request from token id's bucket at now; when it is empty
// it says how long until the next request is allowed.
func (l *Limiter) Allow(id int64, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.b[id]
	if !ok {
		b = &bucket{left: l.Burst, at: now}
		l.b[id] = b
	}
	b.left = math.Min(l.Burst, b.left+now.Sub(b.at).Seconds()*l.Rate)
	b.at = now
	if b.left < 1 {
		return false, time.Duration(math.Ceil((1-b.left)/l.Rate)) * time.Second
	}
	b.left--
	return true, 0
}
