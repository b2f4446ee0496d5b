package wiring

import (
	"context"
	"time"

	"portal/internal/report"
)

// reportsEvery is how often agreements are looked at for the office's
// expiry notices: they are counted in days, so an hour late is on time.
const reportsEvery = time.Hour

// openReports builds the office's reports (issue 17).
func (a *App) openReports() *report.Service {
	a.reports = report.NewService(a.DB, report.Options{Zone: a.Zone})
	return a.reports
}

// startReportJobs mails the office 180, 90 and 30 days before an
// agreement expires, until ctx ends; stop waits for the run in hand. Each
// notice is recorded as it is enqueued, so replicas share the job and a
// restart sends nothing twice.
func (a *App) startReportJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.reports == nil {
		return noStop
	}
	return every(ctx, reportsEvery, counted("agreement expiry notices", "agreement expiry notices enqueued", a.reports.MailExpiring))
}
