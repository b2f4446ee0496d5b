package rotation

import (
	"context"
	"slices"

	"portal/internal/apperr"
	"portal/internal/letter"
	"portal/internal/user"
)

// Letters are the letters the request's applicant may have at its stage:
// the acceptance letter from acceptance on, with a visa support letter
// while the rotation is ahead when the applicant said (onboarding) they
// need one, and the certificate of completion once completed. The
// request's page lists these and LetterSubject issues no other, so the
// rule is written here only.
func (d *Detail) Letters() []letter.Kind {
	if d.Accepted() == nil {
		return nil
	}
	switch d.Status {
	case Accepted, Confirmed:
		if d.VisaLetter != nil && *d.VisaLetter {
			return []letter.Kind{letter.KindAcceptance, letter.KindVisa}
		}
		return []letter.Kind{letter.KindAcceptance}
	case Completed:
		return []letter.Kind{letter.KindAcceptance, letter.KindCompletion}
	}
	return nil
}

// LetterSubject is what letter kind of request id certifies, for a reader
// who may see the request: the applicant's account name (the caller puts
// the names and passport facts of their profile in, see
// incoming.Service.LetterSubject) and the accepted choice. A letter the request may not have (yet) is not found.
func (s *Service) LetterSubject(ctx context.Context, u *user.User, id int64, kind letter.Kind) (letter.Subject, error) {
	d, err := s.Get(ctx, u, id)
	if err != nil {
		return letter.Subject{}, err
	}
	if !slices.Contains(d.Letters(), kind) {
		return letter.Subject{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	ch := d.Accepted()
	return letter.Subject{RequestID: d.ID, HolderID: d.ApplicantID, NameLatin: d.ApplicantName,
		DepartmentEN: ch.NameEN, DepartmentZH: ch.NameZH, StartsOn: ch.StartsOn, EndsOn: ch.EndsOn}, nil
}
