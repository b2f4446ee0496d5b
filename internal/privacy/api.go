package privacy

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"portal/internal/user"
)

// APIRead records in the disclosure log of each applicant of applications
// ids that reader's API client (token, by its name) read their application:
// what (a list's row or the whole application), when, and on what basis.
// A person reading their own applications is not a disclosure.
func (s *Service) APIRead(ctx context.Context, reader *user.User, token, what string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return wrap(s.tx(ctx, func(tx *gorm.DB) error {
		var rows []struct {
			ID          int64
			ApplicantID int64
		}
		if err := tx.Table("applications").Select("id, applicant_id").Where("id IN ? AND applicant_id <> ?", ids, reader.ID).
			Order("id").Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		now := s.now()
		actor := fmt.Sprintf("%s, API client %q", ActorLabel(reader), token)
		out := make([]Disclosure, len(rows))
		for i, r := range rows {
			out[i] = Disclosure{PersonID: r.ApplicantID, ActorID: &reader.ID, Actor: actor, Action: "api.read",
				Object: fmt.Sprintf("%s of application %d", what, r.ID), Basis: "purpose", At: now}
		}
		return tx.CreateInBatches(out, 100).Error
	}), "log API reads")
}
