package letter

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/signintech/gopdf"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"portal/internal/i18n"
)

// Noto Sans TC prints English and Chinese letters: it covers Latin,
// Traditional Chinese and kana, so a name like 山田花子 or 陳怡君 needs no
// fallback.
// It is stored gzipped (see fonts/README.md) and inflated on first use.
//
//go:embed fonts/NotoSansTC-Regular.ttf.gz
var fontGz []byte

// Japanese letters print with Noto Sans JP (see fonts/README.md): the
// Japanese forms of kanji, and the ones Traditional Chinese has not.
//
//go:embed fonts/NotoSansJP-Regular.ttf.gz
var fontJPGz []byte

const fontFamily = "noto"

const nbsp = "\u00a0"

// text is a letter's wording in one language, ready to lay out.
type text struct {
	Org               [2]string // letterhead: the hospital in lang, then in the other language
	Office            string
	Date              string
	Title             string
	Salutation        string
	Paragraphs        []string
	Facts             [][2]string // label, value
	Closing           string
	Signer, SignerOrg string
	CodeLine, URLLine string
	Lang              i18n.Lang
	Meta              gopdf.PdfInfo
}

// text words letter l in lang. The letterhead is bilingual; names and
// departments appear in both scripts, the main language's first.
func (s *Service) text(l *Letter, lang i18n.Lang) text {
	// The letterhead's second line is the other language a consulate or a
	// home school may need: Chinese under English, English under Chinese
	// or Japanese.
	if lang != i18n.TraditionalChinese && lang != i18n.Japanese {
		lang = i18n.English
	}
	other := i18n.TraditionalChinese
	if lang != i18n.English {
		other = i18n.English
	}
	b := s.o.I18n
	t := func(key string, args ...any) string { return b.T(lang, key, args...) }
	both := func(main, other string) string {
		switch {
		case main == "":
			return other
		case other == "" || other == main:
			return main
		}
		return t("letter.both", main, other)
	}
	subj := l.Subject
	name := both(subj.NameLatin, subj.NameNative)
	dept := both(subj.DepartmentEN, subj.DepartmentZH)
	switch lang {
	case i18n.TraditionalChinese:
		name = both(subj.NameNative, subj.NameLatin)
		dept = both(subj.DepartmentZH, subj.DepartmentEN)
	case i18n.Japanese:
		// A name in kanji or kana reads first; the departments have no
		// Japanese names, and their Chinese ones would read as foreign.
		name = both(subj.NameNative, subj.NameLatin)
	}
	// A date is not broken across lines: its spaces are non-breaking until
	// drawn (see pen.at).
	keep := func(s string) string { return strings.ReplaceAll(s, " ", nbsp) }
	from, to := keep(FormatDate(subj.StartsOn, lang)), keep(FormatDate(subj.EndsOn, lang))
	k := string(l.Kind)
	tx := text{
		Org:        [2]string{t("letter.org.name"), b.T(other, "letter.org.name")},
		Office:     t("letter.org.office") + "  ·  " + b.T(other, "letter.org.office"),
		Date:       t("letter.date", FormatDate(s.o.Zone.Day(l.IssuedAt), lang)),
		Title:      t("letter.title." + k),
		Salutation: t("letter.salutation"),
		Paragraphs: []string{t("letter.body."+k, name, dept, from, to), t("letter.body2." + k)},
		Facts: [][2]string{
			{t("letter.fact.name"), name},
			{t("letter.fact.department"), dept},
			{t("letter.fact.period"), t("letter.period", from, to)},
		},
		Closing:   t("letter.closing"),
		Signer:    t("letter.signer"),
		SignerOrg: t("letter.org.name"),
		CodeLine:  t("letter.code", l.DisplayCode()),
		URLLine:   t("letter.check", s.VerifyURL(l.Code)),
		Lang:      lang,
		Meta: gopdf.PdfInfo{
			Title: t("letter.title."+k) + " — " + name, Author: t("letter.org.name"),
			Subject: l.DisplayCode(), Creator: "portal", CreationDate: l.IssuedAt,
		},
	}
	if l.Kind == KindCompletion && !subj.EndsOn.Before(subj.StartsOn) {
		// A certificate of completion says how long the rotation was
		// (issue 16): whole weeks, Monday to Sunday.
		weeks := (int(subj.EndsOn.Sub(subj.StartsOn).Hours()/24) + 1) / 7
		tx.Facts = append(tx.Facts, [2]string{t("letter.fact.weeks"), t("letter.weeks", weeks)})
	}
	if subj.HomeInstitution != "" {
		tx.Facts = append(tx.Facts[:1], append([][2]string{{t("letter.fact.home"), subj.HomeInstitution}}, tx.Facts[1:]...)...)
	}
	if l.Kind == KindVisa {
		s.visaText(&tx, subj, lang, name, dept, from, to)
	}
	return tx
}

// visaText words a visa support letter: the acceptance's facts preceded by
// the passport identity a consulate matches against the passport.
func (s *Service) visaText(tx *text, subj Subject, lang i18n.Lang, name, dept, from, to string) {
	t := func(key string, args ...any) string { return s.o.I18n.T(lang, key, args...) }
	country := CountryName(subj.Nationality, lang)
	tx.Paragraphs = []string{
		t("letter.body.visa", name, country, subj.PassportNumber, dept, from, to),
		t("letter.body2.visa"),
	}
	facts := [][2]string{{t("letter.fact.family_name"), subj.FamilyName}}
	if subj.GivenNames != "" {
		facts = append(facts, [2]string{t("letter.fact.given_names"), subj.GivenNames})
	}
	facts = append(facts,
		[2]string{t("letter.fact.birth_date"), FormatDate(subj.BirthDate, lang)},
		[2]string{t("letter.fact.nationality"), country},
		[2]string{t("letter.fact.passport"), subj.PassportNumber})
	if subj.HomeInstitution != "" {
		facts = append(facts, [2]string{t("letter.fact.home"), subj.HomeInstitution})
	}
	tx.Facts = append(facts,
		[2]string{t("letter.fact.department"), dept},
		[2]string{t("letter.fact.period"), t("letter.period", from, to)})
}

// CountryName is the name of the ISO 3166-1 code in lang, as a letter
// prints a nationality; the code itself when unknown.
func CountryName(code string, lang i18n.Lang) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if n := display.Regions(language.Make(string(lang))).Name(r); n != "" {
		return n
	}
	return code
}

// FormatDate writes a calendar date as a letter does: 6 July 2026,
// 2026年7月6日 (Chinese and Japanese alike). d is a date as the portal stores them (midnight UTC); an
// instant such as IssuedAt is first made the portal's day with
// clock.Zone.Day, or a letter issued at 07:00 in Taipei bears yesterday.
func FormatDate(d time.Time, lang i18n.Lang) string {
	if lang == i18n.TraditionalChinese || lang == i18n.Japanese {
		return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
	}
	return d.Format("2 January 2006")
}

// renderer lays letters out on A4. Each font is parsed once, on its first
// letter, and shared; the PDF library copies what it writes to per document.
type renderer struct {
	tc, jp lazyFont
}

// lazyFont is one embedded, gzipped font, inflated and parsed on first use.
type lazyFont struct {
	once  sync.Once
	fonts *gopdf.FontContainer
	err   error
}

func (f *lazyFont) get(gz []byte) (*gopdf.FontContainer, error) {
	f.once.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			f.err = err
			return
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			f.err = err
			return
		}
		f.fonts = &gopdf.FontContainer{}
		f.err = f.fonts.AddTTFFontData(fontFamily, raw)
	})
	return f.fonts, f.err
}

// font is the font a letter in lang prints with: Noto Sans TC lacks the
// kanji Japan simplified on its own (当, 査, 続, 数), and prints the shared
// ones in their Chinese forms, so a Japanese letter takes Noto Sans JP.
func (r *renderer) font(lang i18n.Lang) (*gopdf.FontContainer, error) {
	if lang == i18n.Japanese {
		return r.jp.get(fontJPGz)
	}
	return r.tc.get(fontGz)
}

// Page geometry, in points.
const (
	pageW, pageH = 595.28, 841.89 // A4
	marginX      = 64.0
	textW        = pageW - 2*marginX
)

// Colours: a dark blue for the letterhead, grey for small print.
var (
	ink   = [3]uint8{0x1a, 0x1a, 0x1a}
	brand = [3]uint8{0x12, 0x3b, 0x6d}
	muted = [3]uint8{0x55, 0x55, 0x55}
)

// pen is a PDF page with a cursor moving down it.
type pen struct {
	gp  *gopdf.GoPdf
	y   float64
	err error
}

func (p *pen) font(size float64, c [3]uint8) {
	if p.err == nil {
		p.err = p.gp.SetFont(fontFamily, "", size)
	}
	p.gp.SetTextColor(c[0], c[1], c[2])
}

// at writes s with its top at (x, y) without moving the cursor.
func (p *pen) at(x, y float64, s string) {
	if p.err != nil || s == "" {
		return
	}
	p.gp.SetXY(x, y)
	// Drawn as plain spaces, so that text copied from the PDF matches.
	p.err = p.gp.Cell(nil, strings.ReplaceAll(s, nbsp, " "))
}

func (p *pen) width(s string) float64 {
	w, err := p.gp.MeasureTextWidth(s)
	if err != nil && p.err == nil {
		p.err = err
	}
	return w
}

// para writes s wrapped to width w from x, then moves the cursor below it.
func (p *pen) para(x, w, lead float64, s string) {
	for _, line := range p.wrap(s, w) {
		p.at(x, p.y, line)
		p.y += lead
	}
}

// wrap breaks s into lines no wider than w: at spaces between Latin words,
// and between any two Han or kana characters, which take no spaces.
func (p *pen) wrap(s string, w float64) []string {
	var units []string // words with their trailing space, or single CJK characters
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			units = append(units, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			cur.WriteRune(r)
			flush()
		case isCJK(r):
			flush()
			units = append(units, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	var lines []string
	line := ""
	for _, u := range units {
		if line != "" && p.width(strings.TrimRight(line+u, " ")) > w {
			lines = append(lines, strings.TrimRight(line, " "))
			line = strings.TrimLeft(u, " ")
			continue
		}
		line += u
	}
	if line = strings.TrimRight(line, " "); line != "" {
		lines = append(lines, line)
	}
	return lines
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef) // CJK punctuation, full-width forms
}

func (p *pen) rule(x1, x2, y, width float64, c [3]uint8) {
	p.gp.SetStrokeColor(c[0], c[1], c[2])
	p.gp.SetLineWidth(width)
	p.gp.Line(x1, y, x2, y)
}

// render lays out one letter: letterhead, date, title, body, a table of
// the facts, the signature block, and the verification code at the foot.
func (r *renderer) render(t text) ([]byte, error) {
	fonts, err := r.font(t.Lang)
	if err != nil {
		return nil, fmt.Errorf("load font: %w", err)
	}
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: gopdf.Rect{W: pageW, H: pageH}, Unit: gopdf.UnitPT})
	gp.SetInfo(t.Meta)
	gp.AddPage()
	if err := gp.AddTTFFontFromFontContainer(fontFamily, fonts); err != nil {
		return nil, err
	}
	p := &pen{gp: gp, y: 56}

	// Letterhead: the hospital in both languages, the office, a rule.
	p.font(17, brand)
	p.at(marginX, p.y, t.Org[0])
	p.font(14, brand)
	p.at(marginX, p.y+24, t.Org[1])
	p.font(9.5, muted)
	p.at(marginX, p.y+46, t.Office)
	p.y += 66
	p.rule(marginX, pageW-marginX, p.y, 1.2, brand)

	// Date, right-aligned under the rule.
	p.y += 18
	p.font(10.5, ink)
	p.at(pageW-marginX-p.width(t.Date), p.y, t.Date)

	// Title.
	p.y += 40
	p.font(20, brand)
	p.at(marginX, p.y, t.Title)
	p.y += 48

	// Body.
	p.font(11, ink)
	p.at(marginX, p.y, t.Salutation)
	p.y += 26
	for _, para := range t.Paragraphs {
		p.para(marginX, textW, 17, para)
		p.y += 10
	}

	// The facts, as a two-column table between light rules.
	p.y += 6
	p.rule(marginX, pageW-marginX, p.y, 0.5, muted)
	p.y += 10
	const labelW = 120.0
	for _, f := range t.Facts {
		p.font(9.5, muted)
		p.at(marginX, p.y+1, f[0])
		p.font(11, ink)
		top := p.y
		p.para(marginX+labelW, textW-labelW, 16, f[1])
		p.y = max(p.y, top+16) + 5
	}
	p.y += 1
	p.rule(marginX, pageW-marginX, p.y, 0.5, muted)

	// Signature block: room to sign, less of it when the facts are many
	// (a visa letter's), never into the foot.
	foot := pageH - 92.0
	p.y += 30
	p.font(11, ink)
	p.at(marginX, p.y, t.Closing)
	p.y += min(64, max(34, foot-14-(p.y+25+17)))
	p.rule(marginX, marginX+200, p.y, 0.6, ink)
	p.y += 8
	p.at(marginX, p.y, t.Signer)
	p.y += 17
	p.at(marginX, p.y, t.SignerOrg)
	if p.y+14 > foot && p.err == nil {
		p.err = fmt.Errorf("the letter runs into its foot (%.0f > %.0f)", p.y+14, foot)
	}

	// Foot: the verification code and where to check it.
	p.rule(marginX, pageW-marginX, foot, 0.5, muted)
	p.font(10.5, ink)
	p.at(marginX, foot+12, t.CodeLine)
	p.font(9, muted)
	p.y = foot + 32
	p.para(marginX, textW, 13, t.URLLine)
	if p.err != nil {
		return nil, p.err
	}
	return gp.GetBytesPdfReturnErr()
}
