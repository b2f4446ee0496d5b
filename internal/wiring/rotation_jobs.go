package wiring

import (
	"context"
	"time"
)

// rotationCloseEvery is how often the closes still missing are looked
// for: the reminder counts in days, so an hour late is on time.
const rotationCloseEvery = time.Hour

// startRotationJobs reminds coordinators of the closes still missing a
// week after a rotation's last day (issue 16), until ctx ends. Each
// reminder is claimed by its row, so replicas share the job.
func (a *App) startRotationJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.Rotations == nil {
		return noStop
	}
	return every(ctx, rotationCloseEvery, counted("close reminders", "close reminders enqueued", a.Rotations.RemindCloses))
}
