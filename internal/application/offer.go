package application

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/user"
)

// AnswerInput is the applicant's answer, withdrawal or report: the version
// they saw and their words (a report's text, an optional reason).
type AnswerInput struct {
	Version int
	Comment string
}

// AcceptOffer: the applicant takes the offered seat, before the offer
// expires and unless they already hold a placement overlapping it.
func (s *Service) AcceptOffer(ctx context.Context, u *user.User, id int64, in AnswerInput) (*Application, error) {
	if err := checkComment(in.Comment, false); err != nil {
		return nil, err
	}
	var placed catalog.Period
	return s.act(ctx, u, id, change{
		Action: AcceptOffer, Version: in.Version, Comment: in.Comment, Exclusive: true,
		Check: func(tx *gorm.DB, a *Application, cs []Choice) error {
			if a.OfferExpiresAt != nil && s.clock().After(*a.OfferExpiresAt) {
				return apperr.New(apperr.Invalid, "application.err.offer_expired", s.zone.Time(*a.OfferExpiresAt))
			}
			held, err := confirmedPeriods(tx, a.ApplicantID, a.ID)
			if err != nil {
				return err
			}
			_, p, err := choiceRows(tx, current(a, cs))
			if err != nil {
				return err
			}
			for _, h := range held {
				if overlaps(p, h) {
					return apperr.New(apperr.Invalid, "application.err.overlap", h.StartsOn.Format(time.DateOnly), h.EndsOn.Format(time.DateOnly))
				}
			}
			placed = p
			return nil
		},
		Set: func(_ *Application, _ []Choice, now time.Time) map[string]any {
			return map[string]any{"confirmed_at": now,
				"placed_from": catalog.Day(placed.StartsOn), "placed_until": catalog.Day(placed.EndsOn)}
		},
	})
}

// DeclineOffer: the applicant turns the offer down; the seat and the quota
// place go back.
func (s *Service) DeclineOffer(ctx context.Context, u *user.User, id int64, in AnswerInput) (*Application, error) {
	if err := checkComment(in.Comment, false); err != nil {
		return nil, err
	}
	return s.act(ctx, u, id, change{Action: DeclineOffer, Version: in.Version, Comment: in.Comment, Set: closedNow, After: release})
}

// Withdraw: the applicant ends the application at any stage before
// completion; a seat or quota place it holds goes back.
func (s *Service) Withdraw(ctx context.Context, u *user.User, id int64, in AnswerInput) (*Application, error) {
	if err := checkComment(in.Comment, false); err != nil {
		return nil, err
	}
	return s.act(ctx, u, id, change{Action: Withdraw, Version: in.Version, Comment: in.Comment, Set: closedNow, After: release})
}

func release(tx *gorm.DB, a *Application, cs []Choice, _ time.Time) error {
	if err := releaseSeats(tx, cs); err != nil {
		return err
	}
	return releaseQuota(tx, a.ID)
}

// ExpireOffers ends the offers nobody answered by their deadline, as of
// now, freeing their seats and quota places, and returns how many it
// ended. An offer the applicant answers at the same moment keeps their
// answer: the version check lets one of the two win. Run it periodically.
func (s *Service) ExpireOffers(ctx context.Context, now time.Time) (int, error) {
	var due []Application
	err := s.db.WithContext(ctx).Select("id", "version").
		Where("status = ? AND offer_expires_at < ?", HostAccepted, now.UTC()).Order("id").Find(&due).Error
	if err != nil {
		return 0, wrap(err, "find expired offers")
	}
	n := 0
	for _, d := range due {
		_, err := s.act(ctx, nil, d.ID, change{
			Action: Expire, Version: d.Version, System: true, Set: closedNow, After: release,
			Check: func(_ *gorm.DB, a *Application, _ []Choice) error {
				if a.OfferExpiresAt == nil || !now.After(*a.OfferExpiresAt) {
					return errNotNow
				}
				return nil
			},
		})
		switch {
		case err == nil:
			n++
		case apperr.CodeOf(err) == apperr.Conflict:
			// Answered or withdrawn meanwhile.
		default:
			return n, err
		}
	}
	return n, nil
}
