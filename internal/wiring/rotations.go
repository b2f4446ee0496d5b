package wiring

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"gorm.io/gorm"

	"portal/internal/auth/devoidc"
	"portal/internal/document"
	"portal/internal/incoming"
	"portal/internal/rotation"
	"portal/internal/user"
)

// anyScope lets a reader open a document when any of scopes does: the
// outgoing reviewers' and the incoming coordinators' alike.
func anyScope(scopes ...document.Scope) document.Scope {
	return func(ctx context.Context, tx *gorm.DB, reader *user.User, doc *document.Document) (bool, error) {
		for _, sc := range scopes {
			if ok, err := sc(ctx, tx, reader, doc); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
}

// seedDemoRotations fills, once, the department calendars and the
// incoming requests of `portal dev` (rotation.SeedDemo), when the
// development provider has the demo coordinator and office (tests that
// bring their own users get none).
func (a *App) seedDemoRotations(ctx context.Context, users []devoidc.User, docs *document.Service) error {
	have := map[string]bool{}
	for _, u := range users {
		have[u.Subject] = true
	}
	if !have["demo-coordinator"] || !have["demo-office"] {
		return nil
	}
	seeded, err := a.Rotations.SeedDemo(ctx, rotation.Demo{Issuer: a.Config.OIDCIssuer, Users: a.Users, Documents: docs})
	if err != nil {
		return err
	}
	if !seeded {
		return nil
	}
	if have["demo-incoming"] {
		if err := a.seedDemoProfile(ctx); err != nil {
			return err
		}
	}
	slog.Info("demo rotations loaded")
	return nil
}

// seedDemoProfile gives the demo `incoming` user, who owns demo requests,
// the profile a real applicant writes first, so that their letters carry
// their name in kanji too and their home school is a partner.
func (a *App) seedDemoProfile(ctx context.Context) error {
	u, err := a.Users.SignIn(ctx, user.Identity{Issuer: a.Config.OIDCIssuer, Subject: "demo-incoming",
		Email: "incoming@demo.portal.test", Name: "Yamada Hanako 山田花子", Locale: "en", Roles: []user.Role{user.Incoming}}, time.Now())
	if err != nil {
		return err
	}
	profiles := incoming.NewService(a.DB, a.Catalog, nil)
	in := incoming.ProfileInput{NameLatin: "Yamada Hanako", NameNative: "山田花子", Nationality: "JP", YearOfStudy: "5",
		HomeInstitutionName: "Kyoto University", HomeCountry: "JP",
		GivenNames: "Hanako", FamilyName: "Yamada", BirthDate: "2003-05-14", PassportNumber: "TK1234567"}
	partners, err := profiles.Partners(ctx)
	if err != nil {
		return err
	}
	for _, p := range partners {
		if p.Identifier == "kyoto-u.ac.jp" {
			in.HomeInstitutionID = strconv.FormatInt(p.ID, 10)
		}
	}
	_, err = profiles.Save(ctx, u, in)
	return err
}
