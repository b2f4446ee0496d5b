package wiring

import (
	"context"
	"log/slog"
	"time"
)

// retentionEvery is how often a replica looks whether today's retention
// run is still to do. The run itself happens once a day: the first
// replica to claim the day does it (privacy.RetainDaily).
const retentionEvery = time.Hour

// startRetention runs the retention rules daily on a replica with workers
// (PORTAL_WORKERS > 0), and returns what stops it.
func (a *App) startRetention(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.Privacy == nil {
		return noStop
	}
	return every(ctx, retentionEvery, func(ctx context.Context) {
		if ran, rep, err := a.Privacy.RetainDaily(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("retention", "err", err)
		} else if ran && rep != nil {
			for _, d := range rep.Due {
				if d.Count > 0 {
					slog.Info("retention erased", "kind", d.Kind, "count", d.Count)
				}
			}
		}
	})
}
