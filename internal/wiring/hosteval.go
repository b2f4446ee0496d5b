package wiring

import (
	"context"
	"time"
)

// hostEvaluationEvery is how often a replica looks for supervisors to ask
// or remind; both count whole days, so a few minutes late is on time.
const hostEvaluationEvery = 10 * time.Minute

// startHostEvaluationJobs asks the host supervisor of each placement whose
// last day has come, and reminds once after seven days, on a replica with
// workers; the service's advisory lock lets one replica at a time in.
func (a *App) startHostEvaluationJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.evaluations == nil {
		return noStop
	}
	return every(ctx, hostEvaluationEvery, counted("host evaluation requests", "host evaluation mails enqueued", a.evaluations.AskHosts))
}
