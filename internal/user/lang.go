package user

import (
	"context"

	"portal/internal/apperr"
)

// SetLang remembers the language id chose in the portal's switch, so that
// their mails follow it (notify reads users.chosen_lang before the
// provider's locale) and a sign-in, which rewrites the locale claim, does
// not undo it. lang is a supported language tag the caller has checked.
func (s *Store) SetLang(ctx context.Context, id int64, lang string) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).
		Updates(map[string]any{"chosen_lang": lang, "updated_at": s.now()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return nil
}
