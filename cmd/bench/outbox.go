package main

import (
	"context"
	"fmt"
	"time"

	"portal/internal/bench"
	"portal/internal/db"
)

// outboxRound is one row of the outbox benchmark (issue 7): -outbox
// events to an SMTP sink in the bench process, sent by this many workers.
// -run selects rounds by name, as it selects scenarios.
type outboxRound struct {
	name    string
	workers int
}

var outboxRounds = []outboxRound{{"outbox-1-worker", 1}, {"outbox-4-workers", 4}}

// outboxStall ends a round in which no mail arrived for this long.
const outboxStall = 30 * time.Second

// runOutbox runs rounds against the run's database, in the bench process:
// the portal's own workers are off (PORTAL_WORKERS=0), so these are the
// only ones sending.
func runOutbox(ctx context.Context, o options, databaseURL string, rounds []outboxRound, logf func(string, ...any)) ([]bench.Result, error) {
	most := 0
	for _, r := range rounds {
		most = max(most, r.workers)
	}
	// Each worker holds a connection while it claims or marks a mail.
	pool, err := db.Open(ctx, databaseURL, db.Pool{MaxOpen: most + 2, MaxIdle: most + 2})
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	users, err := bench.OutboxUsers(ctx, pool, 100)
	if err != nil {
		return nil, err
	}
	sink, err := bench.StartSink()
	if err != nil {
		return nil, err
	}
	defer sink.Close()
	var results []bench.Result
	for _, r := range rounds {
		res, err := bench.Outbox{
			DB: pool, Sink: sink, Users: users, Events: o.outbox, Workers: r.workers, Stall: outboxStall, Logf: logf,
		}.Run(ctx, r.name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		logf("%s: %d events in %.2fs, %.0f events/s, %s per mail per worker (p50), %s (p99); %d not sent exactly once",
			r.name, o.outbox, res.Seconds, res.RPS, ms(res.P50Ms), ms(res.P99Ms), res.Errors)
		if res.FirstError != "" {
			logf("%s: %s", r.name, res.FirstError)
		}
		results = append(results, res)
	}
	return results, nil
}

// ms reads a latency in milliseconds as a duration.
func ms(v float64) time.Duration {
	return time.Duration(v * float64(time.Millisecond)).Round(time.Microsecond)
}
