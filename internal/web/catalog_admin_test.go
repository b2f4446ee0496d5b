package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/i18n"
	"portal/internal/wiring"
)

// demo holds ids of the demo catalog that the management tests work on.
type demo struct {
	kumamoto, exchange, elective, period, department, funding int64
	expired                                                   int64 // an agreement that has ended
}

func demoIDs(p *portal) demo {
	p.t.Helper()
	id := func(query string, args ...any) int64 {
		p.t.Helper()
		var ids []int64
		if err := p.App.DB.Raw(query, args...).Scan(&ids).Error; err != nil || len(ids) == 0 {
			p.t.Fatalf("%s: %v (%d rows)", query, err, len(ids))
		}
		return ids[0]
	}
	var d demo
	d.kumamoto = id("SELECT id FROM institutions WHERE identifier = 'kumamoto-u.ac.jp'")
	d.exchange = id("SELECT id FROM agreements WHERE institution_id = ? AND kind = 'student_exchange'", d.kumamoto)
	d.elective = id("SELECT id FROM electives WHERE institution_id = ? ORDER BY id", d.kumamoto)
	d.period = id("SELECT id FROM periods WHERE elective_id = ? ORDER BY starts_on DESC", d.elective)
	d.department = id("SELECT id FROM departments WHERE code = 'IM'")
	d.funding = id("SELECT id FROM funding ORDER BY id")
	d.expired = id("SELECT a.id FROM agreements a JOIN institutions i ON i.id = a.institution_id WHERE i.identifier = 'washington.edu'")
	return d
}

// day is a date relative to today, as a date input sends it.
func day(years, months, days int) string {
	return time.Now().UTC().AddDate(years, months, days).Format(time.DateOnly)
}

// electiveForm is a valid new elective at Kumamoto under its exchange
// agreement, whose window closes well before the periods the tests add.
func electiveForm(d demo, title string) url.Values {
	return url.Values{
		"direction": {"outgoing"}, "institution_id": {strconv.FormatInt(d.kumamoto, 10)},
		"agreement_id": {strconv.FormatInt(d.exchange, 10)}, "kind": {"clinical_elective"},
		"title_en": {title}, "title_zh": {"熱帶醫學選修"}, "specialty": {"infectious_disease"},
		"description_en": {"Fever clinic and travel medicine."}, "language": {"ja"}, "language_level": {"JLPT N2"},
		"min_year": {"5"}, "duration_weeks": {"4"}, "required_docs": {"transcript", "insurance"},
		"fee_amount": {"0"}, "fee_currency": {""}, "opens_on": {day(0, 0, -1)}, "closes_on": {day(0, 1, 0)},
	}
}

func institutionForm(name, identifier string) url.Values {
	return url.Values{"name_en": {name}, "name_local": {""}, "country": {"JP"}, "city": {"Fukuoka"},
		"kind": {"university"}, "identifier": {identifier}, "website": {"https://example.ac.jp"},
		"contact_name": {"Office"}, "contact_email": {"office@example.ac.jp"}}
}

func agreementForm(institution int64, title string) url.Values {
	return url.Values{"institution_id": {strconv.FormatInt(institution, 10)}, "kind": {"mou"}, "title": {title},
		"fields": {"virology"}, "valid_from": {day(0, 0, -10)}, "valid_until": {day(5, 0, 0)},
		"quota_out": {"2"}, "quota_in": {"1"}, "document_url": {""}}
}

func departmentForm(code string) url.Values {
	return url.Values{"code": {code}, "name_en": {"Neurology " + code}, "name_zh": {"神經科 " + code}}
}

func fundingForm(name string) url.Values {
	return url.Values{"name_en": {name}, "name_zh": {"補助"}, "sponsor": {"Ministry of Education"}, "sponsor_kind": {"ministry"},
		"institution_id": {""}, "amount": {"50000"}, "currency": {"TWD"}, "eligibility": {""}, "deadline": {day(0, 2, 0)}}
}

func periodForm(start, end, capacity string) url.Values {
	return url.Values{"starts_on": {start}, "ends_on": {end}, "capacity": {capacity}}
}

// withToken adds the CSRF token to a copy of form.
func withToken(form url.Values, token string) url.Values {
	out := url.Values{"_csrf": {token}}
	for k, v := range form {
		out[k] = v
	}
	return out
}

type manageRoute struct {
	method, path string
	form         url.Values // what the office submits, valid
	audit        string     // the event a successful POST writes
}

// manageRoutes is every route under /manage that the management pages
// serve, in an order in which the office can submit each POST once.
func manageRoutes(d demo) []manageRoute {
	id := func(format string, args ...any) string { return fmt.Sprintf(format, args...) }
	kumamoto := institutionForm("Kumamoto University", "kumamoto-u.ac.jp")
	kumamoto.Set("city", "Kumamoto")
	exchange := agreementForm(d.kumamoto, "Student Exchange Agreement between the Colleges of Medicine")
	exchange.Set("kind", "student_exchange")
	exchange.Set("valid_until", day(4, 0, 0))
	elective := electiveForm(d, "Hepatology and MAFLD Clinical Elective")
	elective.Set("closes_on", day(0, 1, 0))
	return []manageRoute{
		{"GET", "/manage", nil, ""},
		{"GET", "/manage/institutions", nil, ""},
		{"GET", "/manage/institutions?hide_retired=1", nil, ""},
		{"GET", "/manage/institutions/new", nil, ""},
		{"POST", "/manage/institutions", institutionForm("Kyushu University", "kyushu-u.ac.jp"), "catalog.institution.create"},
		{"GET", id("/manage/institutions/%d", d.kumamoto), nil, ""},
		{"POST", id("/manage/institutions/%d", d.kumamoto), kumamoto, "catalog.institution.update"},
		{"POST", id("/manage/institutions/%d/retire", d.kumamoto), url.Values{}, "catalog.institution.retire"},
		{"POST", id("/manage/institutions/%d/restore", d.kumamoto), url.Values{}, "catalog.institution.restore"},

		{"GET", "/manage/agreements", nil, ""},
		{"GET", "/manage/agreements/new", nil, ""},
		{"POST", "/manage/agreements", agreementForm(d.kumamoto, "Research MOU"), "catalog.agreement.create"},
		{"GET", id("/manage/agreements/%d", d.exchange), nil, ""},
		{"POST", id("/manage/agreements/%d", d.exchange), exchange, "catalog.agreement.update"},
		{"POST", id("/manage/agreements/%d/retire", d.exchange), url.Values{}, "catalog.agreement.retire"},
		{"POST", id("/manage/agreements/%d/restore", d.exchange), url.Values{}, "catalog.agreement.restore"},

		{"GET", "/manage/electives", nil, ""},
		{"GET", "/manage/electives/new", nil, ""},
		{"POST", "/manage/electives", electiveForm(d, "Tropical Medicine Elective"), "catalog.elective.create"},
		{"GET", id("/manage/electives/%d", d.elective), nil, ""},
		{"POST", id("/manage/electives/%d", d.elective), elective, "catalog.elective.update"},
		{"POST", id("/manage/electives/%d/periods", d.elective), periodForm(day(3, 0, 0), day(3, 0, 27), "2"), "catalog.period.create"},
		{"POST", id("/manage/periods/%d", d.period), url.Values{}, "catalog.period.update"}, // filled in by the test
		{"POST", id("/manage/periods/%d/retire", d.period), url.Values{}, "catalog.period.retire"},
		{"POST", id("/manage/electives/%d/retire", d.elective), url.Values{}, "catalog.elective.retire"},
		{"POST", id("/manage/electives/%d/restore", d.elective), url.Values{}, "catalog.elective.restore"},

		{"GET", "/manage/departments", nil, ""},
		{"GET", "/manage/departments/new", nil, ""},
		{"POST", "/manage/departments", departmentForm("NEURO"), "catalog.department.create"},
		{"GET", id("/manage/departments/%d", d.department), nil, ""},
		{"POST", id("/manage/departments/%d", d.department), url.Values{"code": {"IM"}, "name_en": {"Internal Medicine"}, "name_zh": {"內科部"}}, "catalog.department.update"},
		{"POST", id("/manage/departments/%d/retire", d.department), url.Values{}, "catalog.department.retire"},
		{"POST", id("/manage/departments/%d/restore", d.department), url.Values{}, "catalog.department.restore"},

		{"GET", "/manage/funding", nil, ""},
		{"GET", "/manage/funding/new", nil, ""},
		{"POST", "/manage/funding", fundingForm("Travel Grant"), "catalog.funding.create"},
		{"GET", id("/manage/funding/%d", d.funding), nil, ""},
		{"POST", id("/manage/funding/%d", d.funding), fundingForm("Renamed Grant"), "catalog.funding.update"},
		{"POST", id("/manage/funding/%d/retire", d.funding), url.Values{}, "catalog.funding.retire"},
		{"POST", id("/manage/funding/%d/restore", d.funding), url.Values{}, "catalog.funding.restore"},
	}
}

// catalogState sums up the catalog tables, to tell whether a request
// changed anything.
func catalogState(p *portal) string {
	p.t.Helper()
	var b strings.Builder
	for _, table := range []string{"institutions", "agreements", "electives", "periods", "departments", "funding"} {
		var rows []struct {
			N       int64
			Retired int64
			Latest  string
		}
		q := "SELECT COUNT(*) AS n, COUNT(retired_at) AS retired, COALESCE(CAST(MAX(updated_at) AS TEXT), '') AS latest FROM " + table
		if err := p.App.DB.Raw(q).Scan(&rows).Error; err != nil {
			p.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %+v; ", table, rows[0])
	}
	return b.String()
}

// TestManageRoutesRefuseAllButOffice walks every management route as
// anonymous, student, reviewer and office: only the office (and admins)
// get through, and refused requests change nothing.
func TestManageRoutesRefuseAllButOffice(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		d := demoIDs(p)
		routes := manageRoutes(d)
		var per catalog.Period
		if err := p.App.DB.Take(&per, d.period).Error; err != nil {
			t.Fatal(err)
		}
		for i := range routes {
			if routes[i].path == fmt.Sprintf("/manage/periods/%d", d.period) {
				routes[i].form = periodForm(per.StartsOn.Format(time.DateOnly), per.EndsOn.Format(time.DateOnly), strconv.Itoa(per.Capacity+1))
			}
		}
		before := catalogState(p)

		anon := p.browser()
		anonToken := anon.get("/").csrf(t)
		for _, r := range routes {
			if r.method == http.MethodGet {
				pg := anon.step(r.method, r.path, nil, nil)
				want := "/login?return_to=" + url.QueryEscape(r.path)
				if pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != want {
					t.Errorf("anonymous GET %s: %d to %q, want 303 to %q", r.path, pg.Status, pg.Header.Get("Location"), want)
				}
				continue
			}
			pg := anon.step(r.method, r.path, withToken(r.form, anonToken), nil)
			if pg.Status != http.StatusUnauthorized {
				t.Errorf("anonymous POST %s: %d, want 401", r.path, pg.Status)
			}
		}

		for _, who := range []string{"student", "reviewer"} {
			b := p.browser()
			b.signIn(who)
			token := b.get("/").csrf(t)
			for _, r := range routes {
				var form url.Values
				if r.method == http.MethodPost {
					form = withToken(r.form, token)
				}
				pg := b.step(r.method, r.path, form, nil)
				if pg.Status != http.StatusForbidden {
					t.Errorf("%s %s %s: %d, want 403", who, r.method, r.path, pg.Status)
					continue
				}
				wantText(t, pg, i18n.English, "error.forbidden.ask_office")
			}
		}
		if after := catalogState(p); after != before {
			t.Fatalf("refused requests changed the catalog:\nbefore %s\nafter  %s", before, after)
		}
		if n := p.count("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'catalog.%'"); n != 0 {
			t.Errorf("%d catalog audit events after refused requests", n)
		}

		office := p.browser()
		office.signIn("office")
		oid := p.userID("demo-office")
		token := office.get("/manage").csrf(t)
		for _, r := range routes {
			if r.method == http.MethodGet {
				pg := office.step(r.method, r.path, nil, nil)
				wantStatus(t, pg, http.StatusOK)
				if !strings.Contains(pg.Body, `class="manage-nav"`) {
					t.Errorf("GET %s: no management navigation", r.path)
				}
				continue
			}
			pg := office.step(r.method, r.path, withToken(r.form, token), nil)
			if pg.Status != http.StatusSeeOther {
				t.Fatalf("office POST %s: %d, want 303:\n%s", r.path, pg.Status, pg.Body)
			}
			if n := p.audits(r.audit); n != 1 {
				t.Errorf("POST %s: %d %s events, want 1", r.path, n, r.audit)
			}
			if _, actor := p.lastAudit(r.audit); actor == nil || *actor != oid {
				t.Errorf("%s by %v, want the office (%d)", r.audit, actor, oid)
			}
		}
		// Restored entries are live again; the retired period stays retired.
		if n := p.count("SELECT COUNT(*) FROM institutions WHERE retired_at IS NOT NULL"); n != 0 {
			t.Errorf("%d retired institutions after retire and restore", n)
		}
		if n := p.count("SELECT COUNT(*) FROM periods WHERE id = ? AND retired_at IS NOT NULL", d.period); n != 1 {
			t.Errorf("the retired period: %d rows retired, want 1", n)
		}

		// The admin sees the changes in the audit log, in words.
		admin := p.browser()
		admin.signIn("admin")
		pg := admin.get("/admin/audit")
		for _, r := range routes {
			if r.audit != "" {
				wantText(t, pg, i18n.English, "audit."+r.audit)
			}
		}
	})
}

// TestManageElectiveWithPeriods creates an elective with two periods
// through the forms and checks every rule the forms must report.
func TestManageElectiveWithPeriods(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		d := demoIDs(p)
		b := p.browser()
		b.signIn("office")
		token := b.get("/manage/electives/new").csrf(t)

		const title = "Tropical Medicine Elective"
		pg := b.post("/manage/electives", withToken(electiveForm(d, title), token))
		wantStatus(t, pg, http.StatusOK)
		m := regexp.MustCompile(`^/manage/electives/(\d+)$`).FindStringSubmatch(pg.URL.Path)
		if m == nil {
			t.Fatalf("creating an elective ended on %s, want its page", pg.URL)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		wantText(t, pg, i18n.English, "flash.manage.saved.create")
		periods := func() int64 { return p.count("SELECT COUNT(*) FROM periods WHERE elective_id = ?", id) }

		add := fmt.Sprintf("/manage/electives/%d/periods", id)
		first, second := [2]string{day(0, 2, 0), day(0, 2, 27)}, [2]string{day(0, 4, 0), day(0, 4, 27)}
		for _, per := range [][2]string{first, second} {
			pg = b.post(add, withToken(periodForm(per[0], per[1], "3"), token))
			wantStatus(t, pg, http.StatusOK)
			wantText(t, pg, i18n.English, "flash.manage.saved.create")
		}
		if n := periods(); n != 2 {
			t.Fatalf("%d periods after adding two", n)
		}

		// An overlapping third: 422, the message next to the start date and
		// in the summary, what was typed kept, nothing stored.
		third := periodForm(day(0, 2, 14), day(0, 3, 10), "2")
		pg = b.post(add, withToken(third, token))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "catalog.err.period_overlap", first[0], first[1])
		wantText(t, pg, i18n.English, "form.invalid")
		for _, want := range []string{
			`role="alert"`,
			`<a href="#period-new-starts_on">`,
			`id="period-new-starts_on" name="starts_on" value="` + third.Get("starts_on") + `" required aria-invalid="true" aria-describedby="period-new-starts_on-error"`,
			`id="period-new-ends_on" name="ends_on" value="` + third.Get("ends_on") + `"`,
			`id="period-new-capacity" name="capacity" value="2"`,
		} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("the refused period's page lacks %s:\n%s", want, pg.Body)
			}
		}
		errMsg := regexp.MustCompile(`<p class="field-error" id="period-new-starts_on-error">([^<]+)</p>`).FindStringSubmatch(pg.Body)
		if errMsg == nil || !strings.Contains(errMsg[1], clock.Readable(trIn(i18n.English), []any{first[0]})[0].(string)) {
			t.Errorf("no overlap message next to the start date: %v", errMsg)
		}
		if n := periods(); n != 2 {
			t.Errorf("%d periods after a refused overlap, want 2", n)
		}

		// The other rules of a period.
		for _, c := range []struct {
			name string
			form url.Values
			key  string
			args []any
		}{
			{"end before start", periodForm(day(1, 0, 10), day(1, 0, 1), "2"), "catalog.err.end_before_start", nil},
			{"capacity below zero", periodForm(day(1, 0, 1), day(1, 0, 10), "-1"), "catalog.err.capacity_negative", nil},
			{"not a number", periodForm(day(1, 0, 1), day(1, 0, 10), "many"), "form.whole_number", nil},
			{"window closes after the start", periodForm(day(0, 0, 20), day(0, 0, 27), "2"), "catalog.err.window_after_start", []any{day(0, 1, 0)}},
		} {
			pg = b.post(add, withToken(c.form, token))
			if pg.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422", c.name, pg.Status)
			}
			wantText(t, pg, i18n.English, c.key, c.args...)
			if !strings.Contains(pg.Body, `value="`+c.form.Get("capacity")+`"`) {
				t.Errorf("%s: the capacity typed is lost", c.name)
			}
		}
		if n := periods(); n != 2 {
			t.Errorf("%d periods after refused periods, want 2", n)
		}

		// Capacity below the seats taken.
		pid := p.count("SELECT id FROM periods WHERE elective_id = ? ORDER BY starts_on LIMIT 1", id)
		p.exec("UPDATE periods SET taken = 2 WHERE id = ?", pid)
		pg = b.post(fmt.Sprintf("/manage/periods/%d", pid), withToken(periodForm(first[0], first[1], "1"), token))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.English, "catalog.err.capacity_below_taken", 2)
		if !strings.Contains(pg.Body, fmt.Sprintf(`id="period-%d-capacity" name="capacity" value="1"`, pid)) {
			t.Errorf("the refused capacity is not shown as typed")
		}
		if n := p.count("SELECT capacity FROM periods WHERE id = ?", pid); n != 3 {
			t.Errorf("capacity %d after a refused change, want 3", n)
		}

		// The overview counts the seats taken against the agreement's quota.
		pg = b.get("/manage")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "manage.overview.used_of", 2, 4)

		// A period with seats taken cannot be retired.
		pg = b.post(fmt.Sprintf("/manage/periods/%d/retire", pid), url.Values{"_csrf": {token}})
		wantStatus(t, pg, http.StatusConflict)
		wantText(t, pg, i18n.English, "catalog.err.period_in_use", 2)
		if n := p.count("SELECT COUNT(*) FROM periods WHERE id = ? AND retired_at IS NULL", pid); n != 1 {
			t.Errorf("the period with seats taken was retired")
		}

		// An elective under an expired agreement is refused.
		washington := p.count("SELECT institution_id FROM agreements WHERE id = ?", d.expired)
		late := electiveForm(d, "Late Elective")
		late.Set("institution_id", strconv.FormatInt(washington, 10))
		late.Set("agreement_id", strconv.FormatInt(d.expired, 10))
		pg = b.post("/manage/electives", withToken(late, token))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		expired, err := p.App.Catalog.Agreement(context.Background(), d.expired)
		if err != nil {
			t.Fatal(err)
		}
		wantText(t, pg, i18n.English, "catalog.err.agreement_expired", expired.ValidUntil.Format(time.DateOnly))
		if !strings.Contains(pg.Body, `value="Late Elective"`) || !strings.Contains(pg.Body, `value="insurance" checked`) {
			t.Errorf("the refused elective's form lost what was typed")
		}
		if n := p.count("SELECT COUNT(*) FROM electives WHERE title_en = 'Late Elective'"); n != 0 {
			t.Errorf("an elective under an expired agreement was stored")
		}

		// Retiring keeps the row and hides it from the catalog.
		if n := p.count("SELECT COUNT(*) FROM electives WHERE id = ?", id); n != 1 {
			t.Fatal("the new elective is not stored")
		}
		search := p.browser().get("/electives?q=" + url.QueryEscape("tropical medicine"))
		wantStatus(t, search, http.StatusOK)
		if !strings.Contains(search.Body, title) {
			t.Fatalf("the new elective is not found in the catalog before retiring:\n%s", search.Body)
		}
		pg = b.post(fmt.Sprintf("/manage/electives/%d/retire", id), url.Values{"_csrf": {token}, "from": {"edit"}})
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.English, "flash.manage.retired")
		if n := p.count("SELECT COUNT(*) FROM electives WHERE id = ? AND retired_at IS NOT NULL", id); n != 1 {
			t.Errorf("the retired elective's row: %d with retired_at set, want 1", n)
		}
		if n := periods(); n != 2 {
			t.Errorf("%d periods of the retired elective, want its 2 kept", n)
		}
		search = p.browser().get("/electives?q=" + url.QueryEscape("tropical medicine"))
		if strings.Contains(search.Body, title) {
			t.Errorf("the retired elective is still found in the catalog")
		}
		res, err := p.App.Catalog.Search(context.Background(), catalog.Query{Text: "tropical"})
		if err != nil || res.Total != 0 {
			t.Errorf("search finds %d retired electives (%v)", res.Total, err)
		}
		// The list still shows it, greyed, with a restore button; hidden on request.
		pg = b.get("/manage/electives")
		if !strings.Contains(pg.Body, `<tr class="retired">`) || !strings.Contains(pg.Body, fmt.Sprintf(`action="/manage/electives/%d/restore"`, id)) {
			t.Errorf("the list does not show the retired elective with a restore button")
		}
		if pg = b.get("/manage/electives?hide_retired=1"); strings.Contains(pg.Body, title) {
			t.Errorf("hide_retired still lists the retired elective")
		}
	})
}

// TestManageCSRF: a management form posted without its token is refused
// and changes nothing.
func TestManageCSRF(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		d := demoIDs(p)
		b := p.browser()
		b.signIn("admin")
		before := catalogState(p)
		for _, r := range []struct {
			path string
			form url.Values
		}{
			{"/manage/institutions", institutionForm("Kyushu University", "kyushu-u.ac.jp")},
			{fmt.Sprintf("/manage/institutions/%d", d.kumamoto), institutionForm("Renamed", "kumamoto-u.ac.jp")},
			{fmt.Sprintf("/manage/electives/%d/retire", d.elective), url.Values{}},
			{fmt.Sprintf("/manage/electives/%d/periods", d.elective), periodForm(day(3, 0, 0), day(3, 0, 10), "1")},
			{fmt.Sprintf("/manage/periods/%d/retire", d.period), url.Values{}},
		} {
			pg := b.post(r.path, r.form)
			wantStatus(t, pg, http.StatusForbidden)
			wantText(t, pg, i18n.English, "error.csrf")
			pg = b.post(r.path, withToken(r.form, "forged-token"))
			wantStatus(t, pg, http.StatusForbidden)
		}
		if after := catalogState(p); after != before {
			t.Errorf("requests without a token changed the catalog:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// TestManageUnknownIDs: every route that takes an id answers 404 for one
// that does not exist, and for one that is not a number.
func TestManageUnknownIDs(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		b := p.browser()
		b.signIn("office")
		token := b.get("/manage").csrf(t)
		before := catalogState(p)
		checked := 0
		for _, id := range []string{"999999", "abc", "0"} {
			for _, r := range manageRoutes(demo{}) {
				if !regexp.MustCompile(`/0(/|$)`).MatchString(r.path) {
					continue
				}
				path := regexp.MustCompile(`/0(/|$)`).ReplaceAllString(r.path, "/"+id+"$1")
				var form url.Values
				if r.method == http.MethodPost {
					form = withToken(r.form, token)
				}
				pg := b.step(r.method, path, form, nil)
				if pg.Status != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404", r.method, path, pg.Status)
					continue
				}
				wantText(t, pg, i18n.English, "error.not_found")
				checked++
			}
		}
		if checked != 3*23 {
			t.Errorf("%d requests with unknown ids, want 3 for each of the 23 routes that take one", checked)
		}
		if after := catalogState(p); after != before {
			t.Errorf("requests for unknown ids changed the catalog")
		}
	})
}

// TestManageInChinese: an admin reading in Traditional Chinese gets the
// forms and their messages in Chinese.
func TestManageInChinese(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		d := demoIDs(p)
		b := p.browser()
		b.Language = "zh-TW,zh;q=0.9"
		b.signIn("admin")
		pg := b.get("/manage/electives/new")
		wantStatus(t, pg, http.StatusOK)
		wantText(t, pg, i18n.TraditionalChinese, "manage.electives.new")
		wantText(t, pg, i18n.TraditionalChinese, "doc.immunization_record")
		token := pg.csrf(t)

		form := electiveForm(d, "")
		form.Set("closes_on", day(0, -1, 0))
		pg = b.post("/manage/electives", withToken(form, token))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.TraditionalChinese, "form.invalid")
		wantText(t, pg, i18n.TraditionalChinese, "form.required")
		wantText(t, pg, i18n.TraditionalChinese, "catalog.err.end_before_start")
		wantText(t, pg, i18n.TraditionalChinese, "manage.errors.title")
		if strings.Contains(pg.Body, bundle.T(i18n.English, "form.required")) {
			t.Errorf("the Chinese page shows the English message")
		}

		add := fmt.Sprintf("/manage/electives/%d/periods", d.elective)
		var per catalog.Period
		if err := p.App.DB.Take(&per, d.period).Error; err != nil {
			t.Fatal(err)
		}
		start, end := per.StartsOn.Format(time.DateOnly), per.EndsOn.Format(time.DateOnly)
		pg = b.post(add, withToken(periodForm(start, end, "1"), token))
		wantStatus(t, pg, http.StatusUnprocessableEntity)
		wantText(t, pg, i18n.TraditionalChinese, "catalog.err.period_overlap", start, end)
	})
}
