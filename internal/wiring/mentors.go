package wiring

import (
	"context"
	"log/slog"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/mentor"
	"portal/internal/user"
)

// openMentors builds the mentors' service and, in dev mode with the demo
// data, gives it a few mentors and opted-in requests (mentor.SeedDemo),
// once: the demo office, coordinator, reviewer and student mentor, when
// the development provider has them.
func (a *App) openMentors(ctx context.Context, users []devoidc.User, demo bool) (*mentor.Service, error) {
	svc := mentor.NewService(a.DB, mentor.Options{Zone: a.Zone})
	if a.Dev == nil || !demo {
		return svc, nil
	}
	roles := map[string]user.Role{"demo-office": user.Office, "demo-coordinator": user.Coordinator,
		"demo-student": user.Student, "demo-reviewer": user.Reviewer}
	var ids []int64
	for _, subject := range []string{"demo-office", "demo-reviewer", "demo-student", "demo-coordinator"} {
		for _, du := range users {
			if du.Subject != subject {
				continue
			}
			u, err := a.Users.SignIn(ctx, user.Identity{Issuer: a.Config.OIDCIssuer, Subject: du.Subject, Email: du.Email,
				Name: du.Name, Locale: du.Locale, Roles: []user.Role{roles[subject]}}, time.Now())
			if err != nil {
				return nil, err
			}
			ids = append(ids, u.ID)
		}
	}
	seeded, err := svc.SeedDemo(ctx, ids)
	if err == nil && seeded {
		slog.Info("demo mentors loaded")
	}
	return svc, err
}
