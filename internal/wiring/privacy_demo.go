package wiring

import (
	"context"
	"fmt"

	"portal/internal/audit"
	"portal/internal/document"
	"portal/internal/privacy"
)

// seedDemoConsents gives, once, the demo people's consents for their
// health documents to the reviewers and the office, as a student does on
// the upload form: health documents are refused without one (issue 18),
// and a demo whose reviewers can open no immunization record shows
// nothing of the review. A person with any consent recorded is left as
// they are, so a demo student who revoked one keeps it revoked.
func (a *App) seedDemoConsents(ctx context.Context) error {
	var owners []int64
	if err := a.DB.WithContext(ctx).Model(&document.Document{}).Distinct("owner_id").
		Where("type IN ? AND superseded_at IS NULL AND deleted_at IS NULL", privacy.HealthTypes).
		Pluck("owner_id", &owners).Error; err != nil {
		return fmt.Errorf("demo consents: %w", err)
	}
	m := audit.Meta{IP: "127.0.0.1", UserAgent: "demo"}
	for _, id := range owners {
		docs, err := a.Privacy.HealthDocuments(ctx, id)
		if err != nil {
			return err
		}
		if decided(docs) {
			continue
		}
		u, err := a.Users.Find(ctx, id)
		if err != nil {
			return fmt.Errorf("demo consents: %w", err)
		}
		if err := a.Privacy.Acknowledge(ctx, u, privacy.HealthNotice.Kind, m); err != nil {
			return err
		}
		for _, d := range docs {
			for _, r := range privacy.Recipients {
				if err := a.Privacy.SetConsent(ctx, u, d.DocumentID, r, true, m); err != nil {
					return fmt.Errorf("demo consent of document %d: %w", d.DocumentID, err)
				}
			}
		}
	}
	return nil
}

// decided tells whether any consent of docs was ever recorded.
func decided(docs []privacy.HealthDocument) bool {
	for _, d := range docs {
		for _, c := range d.Consents {
			if c.State != privacy.NotAsked {
				return true
			}
		}
	}
	return false
}
