package letter_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"portal/internal/apperr"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/testutil"
	"portal/internal/user"
)

var bundle = func() *i18n.Bundle {
	b, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return b
}()

var issuedAt = time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)

func newService(d *db.DB) *letter.Service {
	return letter.NewService(d, letter.Options{
		Now: func() time.Time { return issuedAt }, BaseURL: "https://portal.example.edu/", I18n: bundle,
	})
}

// holder makes a user for the letters' foreign key.
func holder(t *testing.T, d *db.DB, subject string) int64 {
	t.Helper()
	u, err := user.NewStore(d).SignIn(context.Background(), user.Identity{Issuer: "https://idp.test", Subject: subject}, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func subject(requestID, holderID int64) letter.Subject {
	return letter.Subject{
		RequestID: requestID, HolderID: holderID,
		NameLatin: "Chen Yi-Chun", NameNative: "陳怡君", HomeInstitution: "Kyoto University",
		DepartmentEN: "Department of Cardiology", DepartmentZH: "心臟內科",
		StartsOn: time.Date(2026, 7, 6, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC),
	}
}

// pdfText extracts the text of every page, as a reader copying from the
// PDF would get it: it needs the font's ToUnicode map to find the CJK names.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the PDF does not parse: %v", err)
	}
	var sb strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		s, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString(s)
	}
	if r.NumPage() != 1 {
		t.Errorf("%d pages, want 1", r.NumPage())
	}
	return sb.String()
}

func wantIn(t *testing.T, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("the letter lacks %q; its text:\n%s", p, text)
		}
	}
}

func TestIssueAPrintableLetterWithBothScripts(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		ctx := context.Background()
		id := holder(t, d, "chen")
		l, b, err := s.Issue(ctx, letter.KindAcceptance, subject(41, id), i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 200<<10 {
			t.Errorf("the PDF is %d bytes: the font is not subset", len(b))
		}
		text := pdfText(t, b)
		wantIn(t, text, "Letter of Acceptance", "Chen Yi-Chun", "陳怡君", "Kyoto University",
			"Department of Cardiology", "心臟內科", "6 July 2026", "31 July 2026", "4 May 2026",
			l.DisplayCode(), "https://portal.example.edu/verify?code="+l.DisplayCode())
		if os.Getenv("LETTER_PDF_DIR") != "" { // to look at the layout: pdftoppm -png
			_ = os.WriteFile(os.Getenv("LETTER_PDF_DIR")+"/acceptance-en.pdf", b, 0o644)
		}

		// The same letter in Chinese: the same code, the Chinese wording.
		l2, b2, err := s.Issue(ctx, letter.KindAcceptance, subject(41, id), i18n.TraditionalChinese)
		if err != nil {
			t.Fatal(err)
		}
		if l2.Code != l.Code || l2.ID != l.ID {
			t.Errorf("issuing again gave letter %d %s, want %d %s", l2.ID, l2.Code, l.ID, l.Code)
		}
		wantIn(t, pdfText(t, b2), "接受函", "陳怡君", "Chen Yi-Chun", "心臟內科", "2026年7月6日", l.DisplayCode())
		if os.Getenv("LETTER_PDF_DIR") != "" {
			_ = os.WriteFile(os.Getenv("LETTER_PDF_DIR")+"/acceptance-zh.pdf", b2, 0o644)
		}

		// A Japanese name, with kana, on a certificate of completion.
		subj := subject(42, holder(t, d, "yamada"))
		subj.NameLatin, subj.NameNative = "Yamada Hanako", "山田花子（やまだ はなこ）"
		c, b3, err := s.Issue(ctx, letter.KindCompletion, subj, i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		wantIn(t, pdfText(t, b3), "Certificate of Completion", "Yamada Hanako", "山田花子", "やまだ はなこ", c.DisplayCode())
		if os.Getenv("LETTER_PDF_DIR") != "" {
			_ = os.WriteFile(os.Getenv("LETTER_PDF_DIR")+"/completion-en.pdf", b3, 0o644)
		}
		if c.Code == l.Code {
			t.Error("two letters share a code")
		}
	})
}

func TestChangedFactsSupersedeTheLetter(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		ctx := context.Background()
		subj := subject(7, holder(t, d, "chen"))
		old, _, err := s.Issue(ctx, letter.KindAcceptance, subj, i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		// A completion certificate is a letter of its own.
		done, _, err := s.Issue(ctx, letter.KindCompletion, subj, i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		if done.Code == old.Code {
			t.Fatal("the certificate reuses the acceptance letter's code")
		}

		subj.EndsOn = subj.EndsOn.AddDate(0, 0, 7)
		now, b, err := s.Issue(ctx, letter.KindAcceptance, subj, i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		if now.Code == old.Code || now.Seq != 2 {
			t.Fatalf("new dates kept the code or seq: %+v", now)
		}
		wantIn(t, pdfText(t, b), "7 August 2026")

		// The old code still verifies, as replaced, with what it certified.
		got, err := s.Verify(ctx, old.Code)
		if err != nil {
			t.Fatal(err)
		}
		if got.SupersededAt == nil || !got.Subject.EndsOn.Equal(time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("old letter: superseded %v, ends %v", got.SupersededAt, got.Subject.EndsOn)
		}
		got, err = s.Verify(ctx, now.Code)
		if err != nil || got.SupersededAt != nil || got.Kind != letter.KindAcceptance {
			t.Errorf("new letter: %+v, %v", got, err)
		}
		if got, err := s.Verify(ctx, done.Code); err != nil || got.SupersededAt != nil {
			t.Errorf("the certificate was superseded by a new acceptance letter: %+v, %v", got, err)
		}
	})
}

func TestVerifyTakesTheCodeAsTyped(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		ctx := context.Background()
		l, _, err := s.Issue(ctx, letter.KindAcceptance, subject(3, holder(t, d, "chen")), i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		shown := l.DisplayCode()
		if len(shown) != 19 || strings.Count(shown, "-") != 3 {
			t.Fatalf("code shown as %q", shown)
		}
		typed := []string{shown, strings.ToLower(shown), " " + strings.ReplaceAll(shown, "-", " ") + " ", l.Code,
			strings.ReplaceAll(strings.ReplaceAll(shown, "0", "o"), "1", "l")}
		for _, c := range typed {
			got, err := s.Verify(ctx, c)
			if err != nil || got.ID != l.ID {
				t.Errorf("Verify(%q) = %v, %v", c, got, err)
			}
			if got != nil && (got.Subject.NameNative != "陳怡君" || got.Subject.DepartmentZH != "心臟內科" || !got.IssuedAt.Equal(issuedAt)) {
				t.Errorf("Verify(%q) = %+v", c, got)
			}
		}
		// A changed character, a short code, junk: not found alike.
		wrong := []byte(l.Code)
		wrong[5] = map[bool]byte{true: 'A', false: 'B'}[wrong[5] != 'A']
		for _, c := range []string{string(wrong), l.Code[:15], "", "'; DROP TABLE letters; --", l.Code + "A"} {
			if _, err := s.Verify(ctx, c); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("Verify(%q): %v, want not found", c, err)
			}
		}
	})
}

func TestConcurrentIssuesMakeOneLetter(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		subj := subject(9, holder(t, d, "chen"))
		codes := make([]string, 6)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() {
				l, _, err := s.Issue(context.Background(), letter.KindAcceptance, subj, i18n.English)
				if err != nil {
					t.Error(err)
					return
				}
				codes[i] = l.Code
			})
		}
		wg.Wait()
		for _, c := range codes {
			if c != codes[0] {
				t.Fatalf("concurrent issues gave codes %v", codes)
			}
		}
		var n int64
		d.Raw("SELECT COUNT(*) FROM letters").Scan(&n)
		if n != 1 {
			t.Errorf("%d letters, want 1", n)
		}
	})
}

func TestNewCodesAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c, ok := letter.NormalizeCode(letter.NewCodeForTest())
		if !ok || seen[c] {
			t.Fatalf("code %q: valid %v, repeated %v", c, ok, seen[c])
		}
		seen[c] = true
	}
}

// A letter issued at 01:00 on 1 August in Taipei (17:00 UTC the day
// before) is dated 1 August: the day where the university is.
func TestALetterIsDatedWithTheLocalDay(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		z, err := clock.Load("Asia/Taipei")
		if err != nil {
			t.Fatal(err)
		}
		s := letter.NewService(d, letter.Options{
			Now: func() time.Time { return time.Date(2026, 7, 31, 17, 0, 0, 0, time.UTC) }, I18n: bundle, Zone: z,
		})
		_, b, err := s.Issue(context.Background(), letter.KindAcceptance, subject(43, holder(t, d, "lin")), i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		wantIn(t, pdfText(t, b), "Date: 1 August 2026")
	})
}

// A visa support letter prints the passport identity beside the
// acceptance's facts, on one page in either language, and keeps its code
// while the facts stay; a new passport number is a new letter. The other
// kinds never record the passport.
func TestIssueAVisaSupportLetter(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		ctx := context.Background()
		subj := subject(51, holder(t, d, "chen"))
		subj.GivenNames, subj.FamilyName, subj.Nationality, subj.PassportNumber = "Yi-Chun", "CHEN", "TW", "312345678"
		subj.BirthDate = time.Date(2002, 11, 3, 0, 0, 0, 0, time.UTC)
		l, b, err := s.Issue(ctx, letter.KindVisa, subj, i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		wantIn(t, pdfText(t, b), "Visa Support Letter", "Chen Yi-Chun", "CHEN", "Yi-Chun", "陳怡君", "312345678", "3 November 2002",
			"Taiwan", "Kyoto University", "Department of Cardiology", "6 July 2026", "31 July 2026", l.DisplayCode(),
			"https://portal.example.edu/verify?code="+l.DisplayCode())
		if os.Getenv("LETTER_PDF_DIR") != "" {
			_ = os.WriteFile(os.Getenv("LETTER_PDF_DIR")+"/visa-en.pdf", b, 0o644)
		}
		l2, b2, err := s.Issue(ctx, letter.KindVisa, subj, i18n.TraditionalChinese)
		if err != nil {
			t.Fatal(err)
		}
		wantIn(t, pdfText(t, b2), "簽證支持函", "陳怡君", "312345678", "2002年11月3日", "台灣", "心臟內科", l.DisplayCode())
		if os.Getenv("LETTER_PDF_DIR") != "" {
			_ = os.WriteFile(os.Getenv("LETTER_PDF_DIR")+"/visa-zh.pdf", b2, 0o644)
		}
		if l2.Code != l.Code {
			t.Errorf("the same facts gave a new code %s, want %s", l2.Code, l.Code)
		}
		v, err := s.Verify(ctx, l.Code)
		if err != nil || v.Kind != letter.KindVisa || v.Subject.PassportNumber != "312345678" || v.Subject.Nationality != "TW" ||
			!v.Subject.BirthDate.Equal(subj.BirthDate) || v.Subject.FamilyName != "CHEN" {
			t.Errorf("verified %+v, %v", v, err)
		}
		subj.PassportNumber = "398765432"
		l3, _, err := s.Issue(ctx, letter.KindVisa, subj, i18n.English)
		if err != nil || l3.Code == l.Code || l3.Seq != 2 {
			t.Errorf("a new passport: %+v, %v", l3, err)
		}

		// An acceptance letter drops the passport facts it is given.
		a, _, err := s.Issue(ctx, letter.KindAcceptance, subj, i18n.English)
		if err != nil {
			t.Fatal(err)
		}
		if a, _ = s.Verify(ctx, a.Code); a.Subject.PassportNumber != "" || !a.Subject.BirthDate.IsZero() {
			t.Errorf("an acceptance letter recorded the passport: %+v", a.Subject)
		}
		// A visa letter without a passport fact is a caller's bug.
		subj.PassportNumber = ""
		if _, _, err := s.Issue(ctx, letter.KindVisa, subj, i18n.English); apperr.CodeOf(err) != apperr.Internal {
			t.Errorf("a visa letter without a passport number: %v", err)
		}
	})
}
