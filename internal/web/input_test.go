package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// TestBadBytesInQueriesAreRefused: a search or filter with NUL or bytes
// that are not UTF-8 is a translated 400 naming the parameter, on both
// databases (PostgreSQL answered 500, "invalid byte sequence").
func TestBadBytesInQueriesAreRefused(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		anon := p.browser()
		for _, target := range []string{"/electives?q=a%00b", "/electives?q=%FF%FE", "/electives?q=bell%07", "/electives?a%00b=1"} {
			pg := anon.get(target)
			wantStatus(t, pg, http.StatusBadRequest)
			name := "q"
			if strings.Contains(target, "a%00b=") {
				name = "ab" // the name itself is wrong: shown without the NUL
			}
			wantText(t, pg, i18n.English, "input.bad_query", name)
		}
		anon.Language = "zh-TW"
		wantText(t, anon.get("/electives?q=a%00b"), i18n.TraditionalChinese, "input.bad_query", "q")
		// Tabs and line breaks are text, and a search in Chinese still works.
		wantStatus(t, anon.get("/electives?q="+url.QueryEscape("熊本\t")), http.StatusOK)

		admin := p.browser()
		admin.signIn("admin")
		for target, name := range map[string]string{"/admin/users?q=a%00b": "q", "/admin/audit?action=%00": "action", "/admin/audit?action=%C3": "action"} {
			pg := admin.get(target)
			wantStatus(t, pg, http.StatusBadRequest)
			wantText(t, pg, i18n.English, "input.bad_query", name)
			if !pg.signedIn() {
				t.Errorf("GET %s: the refusal forgot who is signed in", target)
			}
		}
		if pg := admin.step(http.MethodHead, "/admin/users?q=a%00b", nil, nil); pg.Status != http.StatusBadRequest {
			t.Errorf("HEAD with a NUL in the query: %d, want 400", pg.Status)
		}
	})
}

// TestBadBytesInFormsAreRefusedAndNothingIsStored: a statement, a catalog
// name and a profile name with bytes that are not UTF-8, NUL or other
// control characters are a translated 422 naming the field, and nothing is
// saved, whether the form is posted urlencoded or multipart.
func TestBadBytesInFormsAreRefusedAndNothingIsStored(t *testing.T) {
	t.Parallel()
	bad := []string{"Typed\xff\xfe with care", "nul\x00here", "escape\x1b[31mred", "half \xe7\x86"}
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startAppPortal(t, dialect)

		// A student's statement.
		st := p.browser()
		st.signIn("student2")
		cs := p.openChoices()
		id := st.apply(cs[0])
		before := p.state(id)
		for _, v := range bad {
			pg := st.post(link(id, "save"), with(formOf(t, st.get(link(id))), "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period), "statement", v))
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "input.bad_field", "statement")
		}
		if p.state(id) != before || p.count("SELECT COUNT(*) FROM applications WHERE statement <> ''") != 0 {
			t.Errorf("a refused statement was stored: %+v, was %+v", p.state(id), before)
		}
		// The same words without the bad bytes are saved.
		pg := st.post(link(id, "save"), with(formOf(t, st.get(link(id))), "choice_1", fmt.Sprintf("%d:%d", cs[0].Elective, cs[0].Period), "statement", "Typed with care.\r\nTwo lines."))
		wantStatus(t, pg, http.StatusOK)

		// An institution's name, urlencoded and multipart.
		office := p.browser()
		office.signIn("office")
		institutions := p.count("SELECT COUNT(*) FROM institutions")
		for _, v := range bad {
			token := office.get("/manage/institutions/new").csrf(t)
			pg := office.post("/manage/institutions", withToken(institutionForm(v, "kyushu-u.ac.jp"), token))
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "input.bad_field", "name_en")
		}
		token := office.get("/manage/institutions/new").csrf(t)
		pg = office.postMultipart("/manage/institutions", token, institutionForm("Kyushu\xff University", "kyushu-u.ac.jp"))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "input.bad_field", "name_en")
		if n := p.count("SELECT COUNT(*) FROM institutions"); n != institutions {
			t.Errorf("%d institutions after refused names, want %d", n, institutions)
		}

		// An incoming applicant's name.
		in := p.browser()
		in.signInByEmail("haruka@kumamoto-u.test")
		for _, v := range bad {
			token := in.get("/incoming/profile").csrf(t)
			pg := in.post("/incoming/profile", url.Values{"_csrf": {token}, "name_latin": {"Sato Haruka"}, "name_native": {"佐藤" + v},
				"given_names": {"Haruka"}, "family_name": {"Sato"}, "birth_date": {"2003-05-14"}, "nationality": {"JP"}, "year_of_study": {"5"}, "home_institution_name": {"Kumamoto University"}, "home_country": {"JP"}})
			wantStatus(t, pg, http.StatusUnprocessableEntity)
			wantText(t, pg, i18n.English, "input.bad_field", "name_native")
		}
		if n := p.count("SELECT COUNT(*) FROM incoming_profiles"); n != 0 {
			t.Errorf("%d profiles saved from refused names", n)
		}
	})
}

// postMultipart posts form as multipart/form-data, the token first as the
// portal's forms put it, and follows redirects.
func (b *browser) postMultipart(target, token string, form url.Values) *page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", token)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	w.Close()
	return b.doBody(http.MethodPost, target, w.FormDataContentType(), &body, nil)
}

// doBody sends a request with a body and headers of the test's choosing,
// following redirects.
func (b *browser) doBody(method, target, ctype string, body *bytes.Buffer, header http.Header) *page {
	b.t.Helper()
	if header == nil {
		header = http.Header{}
	}
	req, err := http.NewRequest(method, b.abs(target), body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header = header
	req.Header.Set("Content-Type", ctype)
	b.trail = nil
	res, err := b.follow.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	var raw bytes.Buffer
	raw.ReadFrom(res.Body)
	return &page{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: raw.String(), Trail: b.trail}
}

// TestUserAgentThatIsNotUTF8 signs in with a browser whose User-Agent
// holds bytes that are not UTF-8: sign-in works (the person could not fix
// the header) and the audit log keeps a cleaned copy (PostgreSQL answered
// the callback with a 500).
func TestUserAgentThatIsNotUTF8(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		cb := b.startLogin("student")
		ua := "Mozilla/5.0 (X11; Linux) \xff\xfe Kiosk"
		pg := b.step(http.MethodGet, cb.String(), nil, http.Header{"User-Agent": {ua}, "X-Request-Id": {"id\xff"}})
		if pg.Status != http.StatusSeeOther {
			t.Fatalf("callback with a non-UTF-8 User-Agent: %d, want 303:\n%s", pg.Status, pg.Body)
		}
		if !b.get("/").signedInAs("Lin Mei-Hua") {
			t.Fatal("not signed in")
		}
		var rows []struct{ UserAgent, RequestID string }
		if err := p.App.DB.Raw("SELECT user_agent, request_id FROM audit_events WHERE action = 'auth.sign_in'").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d sign-in events, want 1", len(rows))
		}
		got := rows[0]
		if !utf8.ValidString(got.UserAgent) || !strings.HasPrefix(got.UserAgent, "Mozilla/5.0 (X11; Linux) ") || !strings.HasSuffix(got.UserAgent, " Kiosk") {
			t.Errorf("audited User-Agent %q, want the header with its bad bytes replaced", got.UserAgent)
		}
		if !utf8.ValidString(got.RequestID) || len(got.RequestID) < 16 {
			t.Errorf("audited request id %q, want a fresh one", got.RequestID)
		}
	})
}
