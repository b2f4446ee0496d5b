package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/document"
	"portal/internal/privacy"
)

// ---- upload, replace, delete

// walletPost is what an upload form sent: its fields and the received file.
type walletPost struct {
	in        document.Input
	rec       *document.Received
	ackHealth bool // "I have read the health notice" ticked
	// consents are the recipients ticked on the form, for a health
	// document (wallet_health.go).
	consents []privacy.Recipient
}

// walletReadUpload reads a multipart upload part by part, never as a whole: the
// file part streams through the wallet's checks into the storage while it
// arrives. It stops at the first part too many, and at the first byte over
// the size limit. Whatever it returns with an error has nothing stored.
func (s *Server) walletReadUpload(c echo.Context) (walletPost, error) {
	var up walletPost
	r := c.Request()
	ctx := r.Context()
	if r.ContentLength > s.Documents.MaxBytes()+uploadOverhead {
		return up, s.walletTooLarge()
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return up, apperr.Wrap(apperr.Invalid, err, "wallet.err.not_multipart")
	}
	fail := func(err error) (walletPost, error) {
		s.Documents.Discard(ctx, up.rec)
		return walletPost{in: up.in}, err
	}
	var fileErr error
	files := 0
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(s.walletBodyError(err))
		}
		if parts == uploadMaxParts {
			return fail(apperr.New(apperr.Invalid, "wallet.err.too_many_parts"))
		}
		if p.FormName() == "file" {
			if files++; files > 1 {
				return fail(apperr.New(apperr.Invalid, "wallet.err.one_file"))
			}
			name, ok := walletRawName(p)
			if !ok {
				return fail(walletFileErr("wallet.err.name_chars"))
			}
			up.rec, fileErr = s.Documents.Receive(ctx, document.File{Name: name, DeclaredType: p.Header.Get(echo.HeaderContentType), Body: p})
			if errors.Is(fileErr, document.ErrTooLarge) {
				return fail(fileErr)
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(p, uploadMaxField+1))
		if err != nil {
			return fail(s.walletBodyError(err))
		}
		if len(value) > uploadMaxField {
			return fail(apperr.New(apperr.Invalid, "wallet.err.field_too_long"))
		}
		switch p.FormName() {
		case "type":
			up.in.Type = string(value)
		case "expires_on":
			up.in.ExpiresOn = string(value)
		case "ack_health":
			up.ackHealth = string(value) == "1"
		case "consent":
			if r := privacy.Recipient(value); slices.Contains(privacy.Recipients, r) && !slices.Contains(up.consents, r) {
				up.consents = append(up.consents, r)
			}
		}
	}
	if files == 0 {
		fileErr = walletFileErr("wallet.err.empty")
	}
	if fileErr != nil {
		return fail(fileErr)
	}
	return up, nil
}

// walletRawName is the file name exactly as the client sent it, or ok
// false when the part's header cannot be read. Part.FileName strips folders
// silently; the wallet refuses names that carry them.
func walletRawName(p *multipart.Part) (name string, ok bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	return params["filename"], true
}

// walletFileErr is a refusal of the file, shown next to its input.
func walletFileErr(key string, args ...any) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Key: "form.invalid", Fields: apperr.Fields{"file": {Key: key, Args: args}}}
}

func (s *Server) walletTooLarge() error {
	e := walletFileErr("wallet.err.too_large", document.SizeLabel(s.Documents.MaxBytes()))
	e.Err = document.ErrTooLarge
	return e
}

// walletBodyError codes a body that could not be read as a multipart form.
func (s *Server) walletBodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return s.walletTooLarge()
	}
	return apperr.Wrap(apperr.Invalid, err, "wallet.err.not_multipart")
}

// walletRefused shows the wallet again with what was wrong. A body refused
// for its content is read to its end first (it is no larger than the
// limit), so that the browser, still sending, gets to see the answer; one
// refused for its size or its number of parts is not read further.
func (s *Server) walletRefused(c echo.Context, at *walletAttempt) error {
	if apperr.CodeOf(at.err) != apperr.Invalid {
		return at.err
	}
	status := http.StatusUnprocessableEntity
	var ae *apperr.Error
	switch {
	case errors.Is(at.err, document.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.As(at.err, &ae) && ae.Key == "wallet.err.too_many_parts":
	default:
		_, _ = io.Copy(io.Discard, c.Request().Body)
	}
	if at.form == "upload" {
		// Say everything that is wrong at once: the form's fields too.
		f := apperr.FieldsOf(at.err)
		if f != nil {
			for k, m := range apperr.FieldsOf(s.Documents.Check(at.in)) {
				f.Add(k, m.Key, m.Args...)
			}
		}
	}
	return s.walletPage(c, status, at)
}

// walletUpload adds a document to the signed-in person's wallet.
func (s *Server) walletUpload(c echo.Context) error {
	u := visitorOf(c).User
	up, err := s.walletReadUpload(c)
	if err != nil {
		return s.walletRefused(c, &walletAttempt{form: "upload", in: up.in, consents: up.consents, err: err})
	}
	if err := s.walletHealthReady(c, up); err != nil {
		s.Documents.Discard(c.Request().Context(), up.rec)
		return s.walletRefused(c, &walletAttempt{form: "upload", in: up.in, consents: up.consents, err: err})
	}
	doc, dup, err := s.Documents.Add(c.Request().Context(), u.ID, up.in, up.rec, meta(c))
	if err != nil {
		return s.walletRefused(c, &walletAttempt{form: "upload", in: up.in, consents: up.consents, err: err})
	}
	if err := s.walletHealthConsents(c, doc.ID, up); err != nil {
		return err
	}
	if dup {
		s.setFlash(c, "wallet_duplicate")
	} else {
		s.setFlash(c, "wallet_uploaded")
	}
	return c.Redirect(http.StatusSeeOther, "/wallet")
}

// walletReplace makes an uploaded file the new version of a document.
func (s *Server) walletReplace(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := visitorOf(c).User
	ctx := c.Request().Context()
	// Someone else's id, or an old version, is refused before a byte of the
	// file is stored.
	if _, err := s.Documents.Find(ctx, u.ID, id); err != nil {
		return err
	}
	up, err := s.walletReadUpload(c)
	if err != nil {
		return s.walletRefused(c, &walletAttempt{form: "replace", replaceID: id, in: up.in, err: err})
	}
	if _, err := s.Documents.Replace(ctx, u.ID, id, up.in, up.rec, meta(c)); err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return s.walletRefused(c, &walletAttempt{form: "replace", replaceID: id, in: up.in, err: err})
		}
		return err
	}
	s.setFlash(c, "wallet_replaced")
	return c.Redirect(http.StatusSeeOther, "/wallet")
}

// walletDelete deletes a document with all its versions, unless an
// application refers to it: then the wallet says which.
func (s *Server) walletDelete(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	u := visitorOf(c).User
	err = s.Documents.Delete(c.Request().Context(), u.ID, id, meta(c))
	if apperr.CodeOf(err) == apperr.Conflict {
		return s.walletPage(c, http.StatusConflict, &walletAttempt{form: "delete", replaceID: id, err: err})
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "wallet_deleted")
	return c.Redirect(http.StatusSeeOther, "/wallet")
}
