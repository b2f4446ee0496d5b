package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"portal/internal/audit"
	"portal/internal/host"
)

// seedDemoHostContacts gives each live partner of the demo catalog a host
// contact, once, through the office's own service, so that a nomination
// made in the demo mails its host a dossier link (issue 15). The
// addresses are under .test, like the demo people's: nothing leaves dev
// mode, but no real partner could be written to by mistake.
func (a *App) seedDemoHostContacts(ctx context.Context) error {
	var n int64
	if err := a.DB.WithContext(ctx).Model(&host.Contact{}).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	var office int64
	if err := a.DB.WithContext(ctx).Raw("SELECT id FROM users WHERE subject = ?", "demo-office").Scan(&office).Error; err != nil || office == 0 {
		return err // a dev portal with its own people has no demo office
	}
	u, err := a.Users.Find(ctx, office)
	if err != nil {
		return fmt.Errorf("demo host contacts: %w", err)
	}
	var partners []struct {
		ID                          int64
		NameEN, Identifier, Country string
	}
	if err := a.DB.WithContext(ctx).Table("institutions").Select("id, name_en, identifier, country").
		Where("NOT is_home AND retired_at IS NULL").Order("id").Scan(&partners).Error; err != nil {
		return fmt.Errorf("demo host contacts: %w", err)
	}
	m := audit.Meta{IP: "127.0.0.1", UserAgent: "demo"}
	for _, p := range partners {
		domain, _, _ := strings.Cut(p.Identifier, ".")
		if domain == "" {
			domain = fmt.Sprintf("partner%d", p.ID)
		}
		in := host.ContactInput{InstitutionID: p.ID, Name: "International Office, " + p.NameEN,
			Email: "exchange@" + domain + ".test", Lang: "en", Department: "International Office"}
		if p.Country == "JP" {
			in.Lang = "ja"
		}
		if _, err := a.Host.AddContact(ctx, u, in, m); err != nil {
			return fmt.Errorf("demo host contact of %s: %w", p.NameEN, err)
		}
	}
	slog.Info("demo host contacts loaded", "count", len(partners))
	return nil
}
