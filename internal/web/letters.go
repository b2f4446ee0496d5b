package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/letter"
	"portal/internal/rotation"
)

// The public check of a letter's verification code: a visa officer or a
// home school types the code printed on a letter and sees whether the
// hospital issued it, and to whom. No sign-in: they have no account.

type letterVerifyView struct {
	Page
	Code      string // as typed, to keep in the field
	CodeError string
	Found     *verifiedLetter
	Award     *verifiedAward // a scholarship's award letter (scholarships.go)
}

// verifiedLetter is what a verifier needs to compare with the paper, and
// no more: not the home institution, not the holder's account.
type verifiedLetter struct {
	Verdict    string // genuine, with the kind and the issue date
	Superseded string // set when a newer letter replaced this one
	Name       string
	Department string
	Period     string
	// A visa support letter's passport facts, which a consulate compares
	// with the passport in front of it.
	Nationality, Passport string
}

// letterVerify shows the form, and with ?code= the verdict. An unknown
// code and a malformed one get the same answer.
func (s *Server) letterVerify(c echo.Context) error {
	v := letterVerifyView{Page: s.page(c, "letter.verify.title"), Code: strings.TrimSpace(c.QueryParam("code"))}
	if v.Code == "" {
		return s.render.render(c, http.StatusOK, pageVerify, v)
	}
	if len(v.Code) > 64 {
		v.Code = v.Code[:64]
	}
	l, err := s.Letters.Verify(c.Request().Context(), v.Code)
	if apperr.CodeOf(err) == apperr.NotFound {
		if ok, err := s.scholarshipVerify(c, &v); ok || err != nil {
			return err
		}
		if ok, err := s.rotationEvaluationVerify(c, &v); ok || err != nil { // rotation_close.go
			return err
		}
		v.CodeError = v.T("letter.verify.unknown")
		return s.render.render(c, http.StatusNotFound, pageVerify, v)
	}
	if err != nil {
		return err
	}
	v.Code = l.DisplayCode()
	subj := l.Subject
	both := func(a, b string) string {
		if b == "" || a == "" {
			return a + b
		}
		return v.T("letter.both", a, b)
	}
	f := &verifiedLetter{
		Verdict:    v.T("letter.verify.genuine."+string(l.Kind), v.Date(l.IssuedAt)),
		Name:       both(subj.NameLatin, subj.NameNative),
		Department: both(subj.DepartmentEN, subj.DepartmentZH),
		Period:     v.T("letter.period", v.Day(subj.StartsOn), v.Day(subj.EndsOn)),
	}
	if l.Kind == letter.KindVisa {
		f.Nationality, f.Passport = letter.CountryName(subj.Nationality, v.Lang), subj.PassportNumber
	}
	if l.SupersededAt != nil {
		f.Superseded = v.T("letter.verify.superseded", v.Date(*l.SupersededAt))
	}
	v.Found = f
	return s.render.render(c, http.StatusOK, pageVerify, v)
}

// sendLetter answers with a letter's PDF as a download named after its
// kind and code, for the pages that issue letters.
func sendLetter(c echo.Context, l *letter.Letter, pdf []byte) error {
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.pdf"`, l.Kind, l.DisplayCode()))
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// rotationLetter issues a letter of the request as a PDF: the acceptance
// letter once accepted (and the visa support letter when the applicant
// asked for one), the certificate of completion once completed. The names
// are the applicant's profile's (their account's name without one); a
// visa letter whose profile lacks a passport fact is refused with what to
// add, rather than printed with blanks. Every issue is audited.
func (s *Server) rotationLetter(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if s.Letters == nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	ctx := c.Request().Context()
	u := visitorOf(c).User
	kind := letter.Kind(c.Param("kind"))
	subj, err := s.Rotations.LetterSubject(ctx, u, id, kind)
	if err != nil {
		return err
	}
	if s.Incoming != nil {
		subj, err = s.Incoming.LetterSubject(ctx, kind, subj)
		if apperr.FieldsOf(err) != nil {
			key := "profile.visa.incomplete.staff"
			if u.ID == subj.HolderID {
				key = "profile.visa.incomplete.mine"
			}
			return apperr.New(apperr.Conflict, key)
		}
		if err != nil {
			return err
		}
	}
	l, pdf, err := s.Letters.IssueBy(ctx, &letter.Issuer{UserID: u.ID, Meta: meta(c)}, kind, subj, langOf(c))
	if err != nil {
		return err
	}
	return sendLetter(c, l, pdf)
}

// letterItem is one letter of a request's page: a download, or why it
// cannot be had yet and where to fix that.
type letterItem struct {
	Label, Href string
	Missing     string // what the profile lacks, set instead of Href
	Fix         string // the profile's page, for the applicant
}

// visaFields are the profile fields a visa letter needs, in the form's
// order, with their labels.
var visaFields = []struct{ name, label string }{
	{"family_name", "profile.family_name"},
	{"birth_date", "profile.birth_date"},
	{"passport_number", "profile.passport_number"},
}

// rotationLetters lists the letters d's reader may download. The visa
// support letter, when its holder's profile lacks a passport fact, says
// which: to the applicant with a link to their profile, to staff so they
// know what to ask for.
func (s *Server) rotationLetters(c echo.Context, p Page, d *rotation.Detail, applicant bool) ([]letterItem, error) {
	var out []letterItem
	for _, k := range d.Letters() {
		it := letterItem{Label: p.T("rotation.letter." + string(k)), Href: rotation.Link(d.ID) + "/letters/" + string(k)}
		if k == letter.KindVisa && s.Incoming != nil {
			prof, err := s.Incoming.Find(c.Request().Context(), d.ApplicantID)
			if err != nil {
				return nil, err
			}
			if missing := prof.VisaMissing(); len(missing) > 0 {
				var names []string
				for _, f := range visaFields {
					if slices.Contains(missing, f.name) {
						names = append(names, p.T(f.label))
					}
				}
				key := "profile.visa.missing.staff"
				if applicant {
					key, it.Fix = "profile.visa.missing.mine", "/incoming/profile"
				}
				it.Href, it.Missing = "", p.T(key, strings.Join(names, p.T("profile.list_separator")))
			}
		}
		out = append(out, it)
	}
	return out, nil
}
