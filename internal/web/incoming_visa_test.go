package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"

	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/rotation"
	"portal/internal/user"
	"portal/internal/wiring"
)

// profileForm is a complete profile as the form sends it.
func profileForm(token string) url.Values {
	return url.Values{"_csrf": {token}, "given_names": {"Haruka"}, "family_name": {"SATO"}, "name_latin": {"Sato Haruka"},
		"name_native": {"佐藤遥"}, "birth_date": {"2003-05-14"}, "nationality": {"JP"}, "passport_number": {"TR1234567"},
		"year_of_study": {"5"}, "home_institution_name": {"Kumamoto University"}, "home_country": {"JP"}}
}

// A foreign student's first sign-in by e-mail opens their profile with a
// welcome, not a home page greeting their address; until the profile is
// complete (one written before the passport fields counts as incomplete)
// the home page's first thing to do is the profile. Once complete, a
// sign-in lands on the home page.
func TestFirstSignInOpensTheProfile(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		pg := b.signInByEmail("haruka@kumamoto-u.test")
		if pg.URL.Path != "/incoming/profile" {
			t.Fatalf("the first sign-in landed on %s", pg.URL)
		}
		wantText(t, pg, i18n.English, "incoming.profile.lede_new")
		wantText(t, pg, i18n.English, "flash.signed_in")
		if strings.Contains(pg.Body, bundle.T(i18n.English, "home.welcome", "haruka@kumamoto-u.test")) {
			t.Error("the applicant is greeted by their address")
		}

		home := b.get("/")
		wantText(t, home, i18n.English, "profile.todo.title")
		if !strings.Contains(home.Body, `<a href="/incoming/profile">`+bundle.T(i18n.English, "profile.todo.title")) {
			t.Errorf("the worklist does not lead to the profile:\n%s", home.Body)
		}

		pg = b.post("/incoming/profile", profileForm(b.get("/incoming/profile").csrf(t)))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.incoming_profile_saved")
		home = b.get("/")
		if strings.Contains(home.Body, bundle.T(i18n.English, "profile.todo.title")) {
			t.Error("a complete profile is still to do")
		}
		if pg := b.signInByEmail("haruka@kumamoto-u.test"); pg.URL.Path != "/" {
			t.Errorf("a later sign-in landed on %s, want the home page", pg.URL)
		}

		// A profile saved before the passport fields were asked.
		p.exec("UPDATE incoming_profiles SET family_name = '', given_names = '', birth_date = NULL")
		home = b.get("/")
		wantText(t, home, i18n.English, "profile.todo.title")
		b.Language = "zh-TW"
		pg = b.get("/incoming/profile")
		wantText(t, pg, i18n.TraditionalChinese, "profile.lede_incomplete")
		wantText(t, b.get("/"), i18n.TraditionalChinese, "profile.todo.title")
	})
}

// visaRequest is an accepted request of the dev user "visitor" whose
// onboarding asks for a visa support letter (visa "yes") or not.
func visaRequest(t *testing.T, p *rotPortal, visa string) int64 {
	t.Helper()
	ctx := context.Background()
	me := &user.User{ID: p.userID("demo-visitor"), Roles: []user.Role{user.Incoming}}
	coord := &user.User{ID: p.userID("demo-coordinator"), Roles: []user.Role{user.Coordinator}}
	office := &user.User{ID: p.userID("demo-office"), Roles: []user.Role{user.Office}}
	var docs []int64
	p.App.DB.Raw("SELECT id FROM documents WHERE owner_id = ?", me.ID).Scan(&docs)
	r, err := p.App.Rotations.CreateDraft(ctx, me, rotation.DraftInput{Key: "visa-test-key-" + visa, Documents: docs,
		Choices: []rotation.ChoiceInput{{DepartmentID: p.fm, StartsOn: p.week(4), Weeks: "2"}}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func(v int) (*rotation.Request, error){
		func(v int) (*rotation.Request, error) {
			return p.App.Rotations.Submit(ctx, me, r.ID, rotation.SubmitInput{Version: v, Key: "visa-submit-key-" + visa})
		},
		func(v int) (*rotation.Request, error) {
			return p.App.Rotations.StartReview(ctx, coord, r.ID, rotation.ReviewInput{Version: v})
		},
		func(v int) (*rotation.Request, error) {
			return p.App.Rotations.Forward(ctx, coord, r.ID, rotation.ReviewInput{Version: v})
		},
		func(v int) (*rotation.Request, error) {
			return p.App.Rotations.Accept(ctx, office, r.ID, rotation.AcceptInput{Version: v, Rank: 1})
		},
		func(v int) (*rotation.Request, error) {
			return p.App.Rotations.SaveOnboarding(ctx, me, r.ID, rotation.OnboardingInput{Version: v, VisaLetter: visa})
		},
	}
	for i, step := range steps {
		if r, err = step(r.Version); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	return r.ID
}

// webPDFText is the text a reader copies from a PDF.
func webPDFText(t *testing.T, body string) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
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
	return sb.String()
}

var letterCode = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// An applicant who said they need a visa finds a visa support letter
// beside the acceptance letter. While their profile lacks the passport
// facts, the page says which to add (and the letter's address refuses
// with the same advice); once added, the applicant, the coordinator and
// the office download one letter (one code) printing the passport name
// and number, the date of birth, the nationality, the department and the
// dates; the public check shows it, every issue is audited, and nobody
// else may have it.
func TestVisaSupportLetter(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		applicant, coord, office, other := p.browser(), p.browser(), p.browser(), p.browser()
		applicant.signIn("visitor")
		coord.signIn("coordinator")
		office.signIn("office")
		other.signIn("visitor2")
		p.grant("demo-coordinator", p.fm)
		p.wallet("demo-visitor")
		id := visaRequest(t, p, "yes")
		visa := rotation.Link(id) + "/letters/visa"

		pg := applicant.get(rotation.Link(id))
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "rotation.letter.visa")
		missing := strings.Join([]string{bundle.T(i18n.English, "profile.family_name"), bundle.T(i18n.English, "profile.birth_date"),
			bundle.T(i18n.English, "profile.passport_number")}, ", ")
		wantText(t, pg, i18n.English, "profile.visa.missing.mine", missing)
		if strings.Contains(pg.Body, `href="`+visa+`"`) || !strings.Contains(pg.Body, `<a href="/incoming/profile">`) {
			t.Errorf("the page offers the letter, or not the profile:\n%s", pg.Body)
		}
		wantText(t, coord.get(rotation.Link(id)), i18n.English, "profile.visa.missing.staff", missing)
		pg = applicant.get(visa)
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "profile.visa.incomplete.mine")
		wantStatus(t, coord.get(visa), http.StatusConflict)
		if n := p.count("SELECT COUNT(*) FROM letters WHERE kind = 'visa'"); n != 0 {
			t.Fatalf("%d visa letters without a passport", n)
		}

		// Only the passport number is missing: the page names it alone.
		f := profileForm(applicant.get("/incoming/profile").csrf(t))
		f.Del("passport_number")
		wantStatus(t, applicant.post("/incoming/profile", f), http.StatusOK)
		wantText(t, applicant.get(rotation.Link(id)), i18n.English, "profile.visa.missing.mine", bundle.T(i18n.English, "profile.passport_number"))

		wantStatus(t, applicant.post("/incoming/profile", profileForm(applicant.get("/incoming/profile").csrf(t))), http.StatusOK)
		pg = applicant.get(rotation.Link(id))
		if !strings.Contains(pg.Body, `href="`+visa+`"`) || !strings.Contains(pg.Body, `href="`+rotation.Link(id)+`/letters/acceptance"`) {
			t.Fatalf("the letters are not both offered:\n%s", pg.Body)
		}
		var codes []string
		for _, b := range []*browser{applicant, coord, office} {
			res := b.get(visa)
			wantStatus(t, res, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
				t.Fatalf("the visa letter is %s", ct)
			}
			text := webPDFText(t, res.Body)
			for _, want := range []string{"Visa Support Letter", "Sato Haruka", "SATO", "Haruka", "佐藤", "TR1234567", "14 May 2003",
				"Japan", "Kumamoto University", "Family Medicine"} {
				if !strings.Contains(text, want) {
					t.Errorf("the visa letter lacks %q:\n%s", want, text)
				}
			}
			codes = append(codes, letterCode.FindString(text))
		}
		if codes[0] == "" || codes[1] != codes[0] || codes[2] != codes[0] {
			t.Errorf("codes %v: want one letter", codes)
		}
		if n := p.count("SELECT COUNT(*) FROM audit_events WHERE action = ? AND object_type = 'rotation_request' AND object_id = ?",
			letter.ActionIssued, fmt.Sprint(id)); n != 3 {
			t.Errorf("%d issues audited, want 3", n)
		}

		// The public check shows the passport facts to compare.
		check := p.browser().get("/verify?code=" + codes[0])
		wantStatus(t, check, http.StatusOK)
		l, err := p.App.Web.Letters.Verify(context.Background(), codes[0])
		if err != nil {
			t.Fatal(err)
		}
		wantText(t, check, i18n.English, "letter.verify.genuine.visa", p.App.Zone.Date(l.IssuedAt))
		for _, want := range []string{"TR1234567", "Japan", "Sato Haruka"} {
			if !strings.Contains(check.Body, want) {
				t.Errorf("the check lacks %q", want)
			}
		}

		// Nobody else has it; a request without a visa need has none.
		wantStatus(t, other.get(visa), http.StatusNotFound)
		plain := visaRequest(t, p, "no")
		wantStatus(t, applicant.get(rotation.Link(plain)+"/letters/visa"), http.StatusNotFound)
		if strings.Contains(applicant.get(rotation.Link(plain)).Body, bundle.T(i18n.English, "rotation.letter.visa")) {
			t.Error("a request without a visa need lists a visa letter")
		}
	})
}
