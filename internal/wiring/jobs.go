package wiring

import (
	"context"
	"log/slog"
	"time"
)

// every runs job at once, then every interval until ctx ends, on a
// goroutine of its own; stop ends it and waits for the run in hand, so
// that a shutdown never cuts a job's transaction short. Each periodic job
// of a replica with workers runs through it.
func every(ctx context.Context, interval time.Duration, job func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			job(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// counted is a job that logs what went wrong, or how many things it did
// when it did any: what names the job in a warning, did the count.
func counted(what, did string, run func(context.Context) (int, error)) func(context.Context) {
	return func(ctx context.Context) {
		if n, err := run(ctx); err != nil && ctx.Err() == nil {
			slog.Warn(what, "err", err)
		} else if err == nil && n > 0 {
			slog.Info(did, "count", n)
		}
	}
}

func noStop() {}
