package application

import (
	"context"

	"portal/internal/user"
)

// A student's draft form has more than one button: Save, Submit, and
// Attach or Detach beside each wallet document. Each of them sends the
// whole form, and the methods here save what was typed before they act, so
// that whichever button is pressed nothing typed is thrown away. When the
// save itself is refused nothing else happens, and the page shows the form
// as typed with the reasons.

// SubmitDraft saves the draft form in, then submits the application with
// key. A retried request whose first try submitted answers with the
// application, and saves nothing (the draft is no longer editable).
func (s *Service) SubmitDraft(ctx context.Context, u *user.User, id int64, in DraftInput, key string) (*Application, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if s.submittedWith(ctx, u, id, key) {
		return s.Submit(ctx, u, id, SubmitInput{Version: in.Version, Key: key})
	}
	a, err := s.SaveDraft(ctx, u, id, in)
	if err != nil {
		return nil, err
	}
	return s.Submit(ctx, u, id, SubmitInput{Version: a.Version, Key: key})
}

// AttachWithDraft saves the draft form in, then attaches document doc.
func (s *Service) AttachWithDraft(ctx context.Context, u *user.User, id int64, in DraftInput, doc int64) error {
	if _, err := s.SaveDraft(ctx, u, id, in); err != nil {
		return err
	}
	return s.AttachDocument(ctx, u, id, doc)
}

// DetachWithDraft saves the draft form in, then detaches document doc.
func (s *Service) DetachWithDraft(ctx context.Context, u *user.User, id int64, in DraftInput, doc int64) error {
	if _, err := s.SaveDraft(ctx, u, id, in); err != nil {
		return err
	}
	return s.DetachDocument(ctx, u, id, doc)
}

// submittedWith reports whether u's application id was already submitted
// with key: the replay of a double click, which Submit answers alone.
func (s *Service) submittedWith(ctx context.Context, u *user.User, id int64, key string) bool {
	if u == nil {
		return false
	}
	var n int64
	s.db.WithContext(ctx).Model(&Application{}).
		Where("id = ? AND applicant_id = ? AND submit_key = ? AND status NOT IN ?", id, u.ID, key, []Stage{Draft, Returned}).
		Count(&n)
	return n > 0
}
