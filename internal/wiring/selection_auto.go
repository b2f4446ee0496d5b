package wiring

import (
	"context"
	"time"
)

// roundsEvery is how often a replica applies the published rounds' rule
// after publication (internal/selection/auto.go): a host's rejection gets
// the student's next choice and a freed seat its offer within a minute;
// offers run in whole days, so that is on time.
const roundsEvery = time.Minute

// startRoundJobs runs the published rounds' automatic handling on a
// replica with workers; the service's advisory lock makes replicas take
// turns on PostgreSQL.
func (a *App) startRoundJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.rounds == nil {
		return noStop
	}
	return every(ctx, roundsEvery, counted("selection rounds", "selection rounds: moves made", func(ctx context.Context) (int, error) {
		rep, err := a.rounds.Automate(ctx)
		return rep.Total(), err
	}))
}
