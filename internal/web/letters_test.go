package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/wiring"
)

// issueLetter issues an acceptance letter to the demo student, as the
// rotation pages do once a request is accepted.
func issueLetter(t *testing.T, p *portal, requestID int64, endsOn time.Time) *letter.Letter {
	t.Helper()
	l, _, err := p.App.Web.Letters.Issue(context.Background(), letter.KindAcceptance, letter.Subject{
		RequestID: requestID, HolderID: p.userID("demo-student"),
		NameLatin: "Yamada Hanako", NameNative: "山田花子", HomeInstitution: "Kumamoto University",
		DepartmentEN: "Department of Cardiology", DepartmentZH: "心臟內科",
		StartsOn: time.Date(2026, 7, 6, 0, 0, 0, 0, time.UTC), EndsOn: endsOn,
	}, i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestVerifyALetterWithoutSigningIn(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		p.browser().signIn("student") // the holder exists
		l := issueLetter(t, p, 5, time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC))

		b := p.browser() // a visa officer: no account
		pg := b.get("/verify")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "letter.verify.lede")
		if !strings.Contains(pg.Body, `name="code"`) {
			t.Fatalf("no code field:\n%s", pg.Body)
		}

		// Typed sloppily: lower case, spaces instead of dashes.
		typed := strings.ToLower(strings.ReplaceAll(l.DisplayCode(), "-", " "))
		pg = b.get("/verify?code=" + url.QueryEscape(typed))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "letter.verify.genuine.acceptance", p.App.Zone.DateText(trIn(i18n.English), l.IssuedAt))
		for _, want := range []string{"Yamada Hanako", "山田花子", "Department of Cardiology", "心臟內科", "6 Jul 2026", "31 Jul 2026", l.DisplayCode()} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the verdict lacks %q", want)
			}
		}
		if strings.Contains(pg.Body, "Kumamoto University") {
			t.Error("the public page shows the home institution: more than a verifier needs")
		}

		// In Chinese, with the dates as Chinese pages (and the Chinese letter)
		// write them.
		b.Language = "zh-TW"
		pg = b.get("/verify?code=" + l.DisplayCode())
		wantText(t, pg, i18n.TraditionalChinese, "letter.verify.genuine.acceptance", p.App.Zone.DateText(trIn(i18n.TraditionalChinese), l.IssuedAt))
		if !strings.Contains(pg.Body, "2026年7月6日") {
			t.Errorf("no Chinese date:\n%s", pg.Body)
		}

		// New dates replace the letter; the old code says so.
		issueLetter(t, p, 5, time.Date(2026, 8, 7, 0, 0, 0, 0, time.UTC))
		b.Language = ""
		pg = b.get("/verify?code=" + l.DisplayCode())
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "letter.verify.superseded", p.App.Zone.DateText(trIn(i18n.English), time.Now()))
	})
}

func TestVerifyAnUnknownCode(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		p.browser().signIn("student")
		l := issueLetter(t, p, 6, time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC))
		wrong := []byte(l.Code)
		wrong[0] = map[bool]byte{true: 'A', false: 'B'}[wrong[0] != 'A']

		b := p.browser()
		for _, code := range []string{string(wrong), "ABCD", "<script>alert(1)</script>"} {
			pg := b.get("/verify?code=" + url.QueryEscape(code))
			wantStatus(t, pg, http.StatusNotFound)
			wantText(t, pg, i18n.English, "letter.verify.unknown")
			if strings.Contains(pg.Body, "Yamada") || strings.Contains(pg.Body, "<script>alert") {
				t.Errorf("code %q: the page shows a name or the raw input", code)
			}
		}
		b.Language = "zh-Hant"
		pg := b.get("/verify?code=" + string(wrong))
		wantText(t, pg, i18n.TraditionalChinese, "letter.verify.unknown")
	})
}
