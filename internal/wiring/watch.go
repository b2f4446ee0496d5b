package wiring

import (
	"context"
	"log/slog"
	"time"
)

// watchEvery is how often a replica looks for window mails of starred
// electives. Windows open and close on calendar days, so a few minutes
// late is on time.
const watchEvery = 5 * time.Minute

// startWatchJobs sends the window mails of starred electives, and the mails
// of saved searches that found new electives, on a replica
// with workers (PORTAL_WORKERS > 0), as the workflow's jobs run, and
// returns what stops them. Replicas take turns through the service's
// advisory lock, and each mail has its dedupe row, so running everywhere
// is safe.
func (a *App) startWatchJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.Watch == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(watchEvery)
		defer t.Stop()
		for {
			if n, err := a.Watch.SendWindowMails(ctx, time.Now()); err != nil && ctx.Err() == nil {
				slog.Warn("window mails", "err", err)
			} else if n > 0 {
				slog.Info("window mails enqueued", "count", n)
			}
			if n, err := a.Watch.SendSearchMails(ctx, time.Now()); err != nil && ctx.Err() == nil {
				slog.Warn("saved search mails", "err", err)
			} else if n > 0 {
				slog.Info("saved search mails enqueued", "count", n)
			}
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
