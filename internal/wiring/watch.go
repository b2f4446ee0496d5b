package wiring

import (
	"context"
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
		return noStop
	}
	return every(ctx, watchEvery, func(ctx context.Context) {
		counted("window mails", "window mails enqueued", func(ctx context.Context) (int, error) {
			return a.Watch.SendWindowMails(ctx, time.Now())
		})(ctx)
		counted("saved search mails", "saved search mails enqueued", func(ctx context.Context) (int, error) {
			return a.Watch.SendSearchMails(ctx, time.Now())
		})(ctx)
	})
}
