package letter

import (
	"time"

	"github.com/signintech/gopdf"

	"portal/internal/i18n"
)

// Custom is a letter another domain words itself (a scholarship's award
// letter) on the hospital's letterhead, with its own verification code,
// which that domain records and checks (its codes come from NewCode, so
// /verify reads them the same way).
type Custom struct {
	Title      string
	Paragraphs []string
	Facts      [][2]string // label, value
	Code       string      // normalized
	IssuedAt   time.Time
	Lang       i18n.Lang
}

// NewCode returns a fresh verification code in the letters' alphabet.
func NewCode() string { return newCode() }

// RenderCustom lays out c like the incoming students' letters: the same
// letterhead, signature block and foot with the code and where to check it.
func (s *Service) RenderCustom(c Custom) ([]byte, error) {
	// As the incoming students' letters (text): Chinese under English,
	// English under Chinese or Japanese; Japanese in its own font.
	lang := c.Lang
	if lang != i18n.TraditionalChinese && lang != i18n.Japanese {
		lang = i18n.English
	}
	other := i18n.TraditionalChinese
	if lang != i18n.English {
		other = i18n.English
	}
	b := s.o.I18n
	t := func(key string, args ...any) string { return b.T(lang, key, args...) }
	code := FormatCode(c.Code)
	return s.pdf.render(text{
		Org:        [2]string{t("letter.org.name"), b.T(other, "letter.org.name")},
		Office:     t("letter.org.office") + "  ·  " + b.T(other, "letter.org.office"),
		Date:       t("letter.date", FormatDate(s.o.Zone.Day(c.IssuedAt), lang)),
		Title:      c.Title,
		Salutation: t("letter.salutation"),
		Paragraphs: c.Paragraphs,
		Facts:      c.Facts,
		Closing:    t("letter.closing"),
		Signer:     t("letter.signer"),
		SignerOrg:  t("letter.org.name"),
		CodeLine:   t("letter.code", code),
		URLLine:    t("letter.check", s.VerifyURL(c.Code)),
		Lang:       lang,
		Meta:       gopdf.PdfInfo{Title: c.Title, Author: t("letter.org.name"), Subject: code, Creator: "portal", CreationDate: c.IssuedAt},
	})
}
