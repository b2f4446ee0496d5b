package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/i18n"
	"portal/internal/rotation"
)

var matchLink = regexp.MustCompile(`href="(/mentors/matches/\d+)"`)

// The mentors over HTTP: a student signs up as a mentor (a wrong capacity
// refused with its message), an accepted incoming applicant opts in from
// the request's page (no language refused), a student and another
// applicant are kept out, the coordinator confirms the proposal, both get
// the introduction mail, and after the rotation's last day both give
// feedback, which the coordinator's list shows; nobody else may.
func TestMentorsFromSignUpToFeedback(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startRotations(t, dialect)
		mentor, applicant, coord, other, student := p.browser(), p.browser(), p.browser(), p.browser(), p.browser()
		mentor.signIn("reviewer")
		applicant.signIn("visitor")
		coord.signIn("coordinator")
		other.signIn("visitor2")
		student.signIn("student")
		p.browser().signIn("office")
		p.grant("demo-coordinator", p.fm)
		p.wallet("demo-visitor")
		id := visaRequest(t, p, "no")

		// The sign-up.
		pg := mentor.get("/mentors/signup")
		wantStatus(t, pg, http.StatusOK)
		today := time.Now().Format(time.DateOnly)
		form := url.Values{"_csrf": {pg.csrf(t)}, "version": {"0"}, "kind": {"resident"}, "departments": {fmt.Sprint(p.fm)},
			"languages": {"en", "ja"}, "interests": {"Family medicine, hiking"}, "capacity": {"0"},
			"available_from": {today}, "available_until": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}}
		pg = mentor.post("/mentors/signup", form)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "mentors.err.capacity", 10)
		form.Set("capacity", "1")
		pg = mentor.post("/mentors/signup", form)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.mentors_signed_up")
		if n := p.count("SELECT COUNT(*) FROM mentors WHERE capacity = 1 AND languages = 'en,ja'"); n != 1 {
			t.Fatalf("%d mentors saved", n)
		}

		// The applicant opts in from the request's page.
		pg = applicant.get(rotation.Link(id))
		wantText(t, pg, i18n.English, "mentors.box.lede")
		optin := url.Values{"_csrf": {pg.csrf(t)}, "interests": {"hiking"}}
		pg = applicant.post(rotation.Link(id)+"/mentor", optin)
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "mentors.err.languages_required")
		optin["languages"] = []string{"ja"}
		pg = applicant.post(rotation.Link(id)+"/mentor", optin)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.mentors_opted_in")

		// Others are kept out.
		wantStatus(t, student.get("/mentors"), http.StatusForbidden)
		other.get("/rotations")
		pg = other.post(rotation.Link(id)+"/mentor", url.Values{"_csrf": {other.get("/rotations").csrf(t)}, "languages": {"en"}})
		wantStatus(t, pg, http.StatusNotFound)

		// The coordinator sees why and confirms.
		pg = coord.get("/mentors")
		wantStatus(t, pg, http.StatusOK)
		for _, want := range []string{"Sato Haruka", bundle.T(i18n.English, "mentors.why.languages", 2, "Japanese"),
			bundle.T(i18n.English, "mentors.why.interests", 1, "hiking")} {
			if !strings.Contains(strings.ReplaceAll(pg.Body, "&#43;", "+"), want) {
				t.Errorf("the board lacks %q:\n%s", want, pg.Body)
			}
		}
		pg = coord.post("/mentors/confirm-all", url.Values{"_csrf": {pg.csrf(t)}})
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.mentors_confirmed_all")
		if n := p.count("SELECT COUNT(*) FROM outbox WHERE kind = 'mentor_introduction' AND recipient_user_id IN (?, ?)",
			p.userID("demo-reviewer"), p.userID("demo-visitor")); n != 2 {
			t.Fatalf("%d introduction mails, want one to each", n)
		}
		m := matchLink.FindStringSubmatch(pg.Body)
		if m == nil {
			t.Fatalf("no match listed:\n%s", pg.Body)
		}
		match := m[1]

		// Feedback waits for the last day, and is the two people's alone.
		pg = applicant.get(match)
		wantStatus(t, pg, http.StatusOK)
		fb := url.Values{"_csrf": {pg.csrf(t)}, "rating": {"5"}, "comment": {"Very welcoming."}}
		wantStatus(t, applicant.post(match+"/feedback", fb), http.StatusUnprocessableEntity)
		wantStatus(t, other.get(match), http.StatusNotFound)
		wantStatus(t, other.post(match+"/feedback", url.Values{"_csrf": {other.get("/rotations").csrf(t)}, "rating": {"1"}}), http.StatusNotFound)
		past := time.Now().AddDate(0, 0, -3)
		p.exec("UPDATE mentor_matches SET starts_on = ?, ends_on = ?", past.AddDate(0, 0, -13), past)
		pg = applicant.post(match+"/feedback", fb)
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.mentors_feedback")
		pg = mentor.get(match)
		pg = mentor.post(match+"/feedback", url.Values{"_csrf": {pg.csrf(t)}, "rating": {"4"}, "comment": {"Keen."}})
		wantStatus(t, pg, http.StatusOK)
		pg = coord.get("/mentors")
		wantText(t, pg, i18n.English, "mentors.feedback.stars", 5)
		wantText(t, pg, i18n.English, "mentors.feedback.stars", 4)
	})
}
