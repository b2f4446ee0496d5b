package wiring

import (
	"context"
	"time"

	"portal/internal/application"
	"portal/internal/host"
)

// hostEvery is how often a replica looks for hosts to remind; reminders
// count whole days, so a few minutes late is on time.
const hostEvery = 10 * time.Minute

// hostOutbox is the workflow's outbox with the host's dossier mail added
// at nomination (host.Outbox); a.Host is read when a move is announced.
func (a *App) hostOutbox() application.Outbox {
	return host.Outbox{Next: WorkflowOutbox{}, Host: func() *host.Service { return a.Host }}
}

// startHostJobs reminds hosts who have not answered, on a replica with
// workers; the service's advisory lock makes replicas take turns.
func (a *App) startHostJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.Host == nil {
		return noStop
	}
	stopLinks := every(ctx, hostEvery, counted("host reminders", "host reminders enqueued", a.Host.Remind))
	stopBatches := every(ctx, hostEvery, counted("batch host reminders", "batch host reminders enqueued", a.Host.RemindBatches))
	return func() { stopLinks(); stopBatches() }
}
