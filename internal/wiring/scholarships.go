package wiring

import (
	"context"
	"log/slog"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/scholarship"
	"portal/internal/user"
)

// seedDemoScholarships gives `portal dev` its open scholarship call with a
// few requests (scholarship.SeedDemo), once, when the development provider
// has the demo office.
func (a *App) seedDemoScholarships(ctx context.Context, calls *scholarship.Service, users []devoidc.User) error {
	for _, office := range users {
		if office.Subject != "demo-office" {
			continue
		}
		u, err := a.Users.SignIn(ctx, user.Identity{Issuer: a.Config.OIDCIssuer, Subject: office.Subject, Email: office.Email,
			Name: office.Name, Locale: office.Locale, Roles: []user.Role{user.Office}}, time.Now())
		if err != nil {
			return err
		}
		seeded, err := calls.SeedDemo(ctx, u)
		if err == nil && seeded {
			slog.Info("demo scholarship call loaded")
		}
		return err
	}
	return nil
}
