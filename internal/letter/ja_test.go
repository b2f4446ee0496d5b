package letter_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/signintech/gopdf/fontmaker/core"

	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/testutil"
)

// A glyph the font lacks prints as nothing (or a box) in the PDF, which
// no one notices until a consulate does: every character of every
// Japanese letter message must be in the embedded font.
func TestTheLetterFontHasEveryCharacterOfTheJapaneseWording(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(letter.FontJPForTest))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var p core.TTFParser
	if err := p.ParseFontData(raw); err != nil {
		t.Fatal(err)
	}
	chars := p.Chars()
	checked := 0
	for _, k := range bundle.Keys(i18n.Japanese) {
		// The letters' own wording, and the scholarship award letter's
		// (RenderCustom), which prints in Japanese too.
		if !strings.HasPrefix(k, "letter.") && !strings.HasPrefix(k, "scholarships.letter.") {
			continue
		}
		for _, r := range bundle.T(i18n.Japanese, k) {
			if unicode.IsSpace(r) {
				continue
			}
			checked++
			if _, ok := chars[int(r)]; !ok {
				t.Errorf("%s: the letter font has no glyph for %q (U+%04X)", k, r, r)
			}
		}
	}
	if checked < 200 {
		t.Fatalf("only %d characters checked: the Japanese letter messages are missing", checked)
	}
}

func TestIssueAVisaSupportLetterInJapanese(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		subj := subject(61, holder(t, d, "yamada"))
		subj.NameLatin, subj.NameNative = "Yamada Hanako", "山田花子"
		subj.GivenNames, subj.FamilyName, subj.Nationality, subj.PassportNumber = "Hanako", "YAMADA", "JP", "TR1234567"
		subj.BirthDate = time.Date(2002, 11, 3, 0, 0, 0, 0, time.UTC)
		l, b, err := s.Issue(context.Background(), letter.KindVisa, subj, i18n.Japanese)
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, b)
		// The Japanese wording, the name in kanji first, the dates and the
		// nationality as a Japanese reader writes them, the English
		// letterhead beneath for the consulate.
		wantIn(t, text, "査証申請支援レター", "山田花子", "Yamada Hanako", "YAMADA", "TR1234567",
			"2002年11月3日", "2026年7月6日", "2026年7月31日", "日本", "Department of Cardiology",
			"医科大学附属病院", "Medical University Hospital", l.DisplayCode())
		if strings.Index(text, "山田花子") > strings.Index(text, "Yamada Hanako") {
			t.Errorf("the Latin name comes before the Japanese one:\n%s", text)
		}
	})
}

// TestACustomLetterPrintsInJapanese: a scholarship's award letter for a
// Japanese reader has the Japanese letterhead with the English beneath,
// the date as Japanese writes it, and its wording in Japanese.
func TestACustomLetterPrintsInJapanese(t *testing.T) {
	d := testutil.OpenDB(t, testutil.SQLite)
	s := newService(d)
	code := letter.NewCode()
	b, err := s.RenderCustom(letter.Custom{
		Title: "奨学金授与通知書", Paragraphs: []string{"山田花子殿に奨学金を授与します。"},
		Facts: [][2]string{{"氏名", "山田花子"}}, Code: code,
		IssuedAt: time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC), Lang: i18n.Japanese,
	})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, b)
	wantIn(t, text, "奨学金授与通知書", "山田花子殿に奨学金を授与します。", "医科大学附属病院", "Medical University Hospital",
		"2026年12月3日", letter.FormatCode(code))
	if strings.Index(text, "医科大学附属病院") > strings.Index(text, "Medical University Hospital") {
		t.Errorf("the English letterhead comes before the Japanese one:\n%s", text)
	}
}
