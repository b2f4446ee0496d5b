package wiring

import (
	"context"
	"log/slog"
	"time"

	"portal/internal/auth/devoidc"
	"portal/internal/selection"
	"portal/internal/user"
)

// seedDemoRounds gives `portal dev` its selection rounds, once
// (selection.SeedDemo), over the demo applications, when the development
// provider has the demo office.
func (a *App) seedDemoRounds(ctx context.Context, rounds *selection.Service, users []devoidc.User) error {
	var office *devoidc.User
	for i := range users {
		if users[i].Subject == "demo-office" {
			office = &users[i]
		}
	}
	if office == nil {
		return nil
	}
	u, err := a.Users.SignIn(ctx, user.Identity{Issuer: a.Config.OIDCIssuer, Subject: office.Subject, Email: office.Email,
		Name: office.Name, Locale: office.Locale, Roles: []user.Role{user.Office}}, time.Now())
	if err != nil {
		return err
	}
	seeded, err := rounds.SeedDemo(ctx, u)
	if err != nil {
		return err
	}
	if seeded {
		slog.Info("demo selection rounds loaded")
	}
	return nil
}
