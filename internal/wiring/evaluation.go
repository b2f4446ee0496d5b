package wiring

import (
	"context"
	"time"

	"portal/internal/evaluation"
)

// evaluationEvery is how often the report reminders are looked for: they
// are counted in days, so an hour late is on time.
const evaluationEvery = time.Hour

// openEvaluations builds the reports and recognitions (issue 16), which
// complete applications through the outgoing workflow.
func (a *App) openEvaluations() *evaluation.Service {
	a.evaluations = evaluation.NewService(a.DB, evaluation.Options{Zone: a.Zone, Applications: a.Applications, Files: a.files})
	return a.evaluations
}

// startEvaluationJobs reminds students of their reports 7 and 21 days
// after a placement's last day, until ctx ends; stop waits for the run in
// hand. Each reminder is recorded once, so replicas share the job.
func (a *App) startEvaluationJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.evaluations == nil {
		return noStop
	}
	return every(ctx, evaluationEvery, counted("report reminders", "report reminders enqueued", a.evaluations.RemindReports))
}
