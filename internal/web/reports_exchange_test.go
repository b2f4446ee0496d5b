package web_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"portal/internal/i18n"
	"portal/internal/wiring"
)

// exchangeWorld is a partner's agreement with one confirmed placement
// each way in the year of one of its periods, added to the demo catalog.
type exchangeWorld struct {
	year                       int
	partner, agreement, app    int64
	rotation                   int64
	wantOut, wantIn, wantWeeks int64 // the agreement's year, counted by plain SQL
}

func newExchangeWorld(t *testing.T, p *portal) exchangeWorld {
	t.Helper()
	var x struct {
		ElectiveID, PeriodID, AgreementID, InstitutionID int64
		StartsOn                                         time.Time
	}
	if err := p.App.DB.Raw(`SELECT e.id AS elective_id, pr.id AS period_id, g.id AS agreement_id, e.institution_id, pr.starts_on
		FROM periods pr JOIN electives e ON e.id = pr.elective_id JOIN agreements g ON g.id = e.agreement_id
		WHERE e.direction = 'outgoing' AND g.retired_at IS NULL AND g.valid_from <= pr.starts_on AND g.valid_until >= pr.starts_on
		ORDER BY pr.id LIMIT 1`).Scan(&x).Error; err != nil || x.PeriodID == 0 {
		t.Fatalf("no outgoing period under an agreement in the demo catalog: %v", err)
	}
	w := exchangeWorld{year: x.StartsOn.Year(), partner: x.InstitutionID, agreement: x.AgreementID}
	now := time.Now().UTC()
	student := p.userID("demo-student")
	if err := p.App.DB.Raw(`INSERT INTO applications (applicant_id, direction, status, specialty, current_choice, stage_since, submitted_at, confirmed_at, created_at, updated_at)
		VALUES (?, 'outgoing', 'confirmed', 'x', 1, ?, ?, ?, ?, ?) RETURNING id`, student, now, now, now, now, now).Scan(&w.app).Error; err != nil {
		t.Fatal(err)
	}
	p.exec(`INSERT INTO application_choices (application_id, rank, elective_id, period_id, host_decision) VALUES (?, 1, ?, ?, 'accepted')`, w.app, x.ElectiveID, x.PeriodID)
	var visitor int64
	if err := p.App.DB.Raw(`INSERT INTO users (issuer, subject, name, created_at, updated_at) VALUES ('test', 'visitor-reciprocity', 'Aiko Visitor', ?, ?) RETURNING id`,
		now, now).Scan(&visitor).Error; err != nil {
		t.Fatal(err)
	}
	p.exec(`INSERT INTO incoming_profiles (user_id, name_latin, nationality, home_institution_id, year_of_study, updated_at) VALUES (?, 'Aiko Visitor', 'JP', ?, 5, ?)`,
		visitor, x.InstitutionID, now)
	var dep int64
	if err := p.App.DB.Raw("SELECT id FROM departments ORDER BY id LIMIT 1").Scan(&dep).Error; err != nil || dep == 0 {
		t.Fatalf("no department: %v", err)
	}
	if err := p.App.DB.Raw(`INSERT INTO rotation_requests (applicant_id, status, accepted_choice, stage_since, created_at, updated_at) VALUES (?, 'confirmed', 1, ?, ?, ?) RETURNING id`,
		visitor, now, now, now).Scan(&w.rotation).Error; err != nil {
		t.Fatal(err)
	}
	p.exec(`INSERT INTO rotation_choices (request_id, rank, department_id, starts_on, weeks) VALUES (?, 1, ?, ?, 3)`, w.rotation, dep, x.StartsOn)
	from, to := time.Date(w.year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(w.year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	w.wantOut = p.count(`SELECT COUNT(*) FROM applications a JOIN application_choices c ON c.application_id = a.id AND c.rank = a.current_choice
		JOIN periods pr ON pr.id = c.period_id JOIN electives e ON e.id = c.elective_id
		WHERE e.agreement_id = ? AND a.status IN ('confirmed', 'completed') AND pr.starts_on >= ? AND pr.starts_on < ?`, w.agreement, from, to)
	w.wantIn = p.count(`SELECT COUNT(*) FROM rotation_requests r JOIN rotation_choices rc ON rc.request_id = r.id AND rc.rank = r.accepted_choice
		JOIN incoming_profiles ip ON ip.user_id = r.applicant_id
		WHERE ip.home_institution_id = ? AND r.status IN ('confirmed', 'completed') AND rc.starts_on >= ? AND rc.starts_on < ?`, w.partner, from, to)
	w.wantWeeks = p.count(`SELECT COALESCE(SUM(rc.weeks), 0) FROM rotation_requests r JOIN rotation_choices rc ON rc.request_id = r.id AND rc.rank = r.accepted_choice
		JOIN incoming_profiles ip ON ip.user_id = r.applicant_id
		WHERE ip.home_institution_id = ? AND r.status IN ('confirmed', 'completed') AND rc.starts_on >= ? AND rc.starts_on < ?`, w.partner, from, to)
	return w
}

// The office reads the reciprocity balance of one partner, follows the
// outgoing figure to the applications behind it and exports the report in
// Japanese; the funding register and completion render with their links;
// a student is kept out; the agreement form asks for the agreed ratio.
func TestTheOfficeReadsTheExchangesBalanceFundingAndCompletion(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		p := startPortal(t, dialect, wiring.Options{})
		st, of := p.browser(), p.browser()
		st.signIn("student")
		of.signIn("office")
		w := newExchangeWorld(t, p)
		year, partner := strconv.Itoa(w.year), strconv.FormatInt(w.partner, 10)

		t.Run("a student may not read them", func(t *testing.T) {
			for _, kind := range []string{"reciprocity", "funding", "completion"} {
				wantStatus(t, st.get("/reports/"+kind), http.StatusForbidden)
			}
		})

		t.Run("reciprocity shows the partner's students both ways and leads to the applications", func(t *testing.T) {
			pg := of.get("/reports/reciprocity?year=" + year + "&institution=" + partner)
			wantStatus(t, pg, http.StatusOK)
			if !strings.Contains(pg.Body, `<title id="report-chart-title">`) || !strings.Contains(pg.Body, "<table") {
				t.Error("the reciprocity report has no accessible chart with its table")
			}
			if strings.Contains(pg.Body, `name="specialty"`) {
				t.Error("the reciprocity report offers a specialty filter it cannot apply")
			}
			link := `/review?partner=` + partner + `&amp;stage=confirmed&amp;stage=completed">` + strconv.FormatInt(w.wantOut, 10) + `</a>`
			if w.wantOut < 1 || !strings.Contains(pg.Body, link) {
				t.Fatalf("no outgoing figure %d linking to the queue (%s):\n%s", w.wantOut, link, pg.Body)
			}
			incoming := `/calendar/requests?home=` + partner + `&amp;stage=confirmed">` + strconv.FormatInt(w.wantIn, 10) + `</a>`
			if w.wantIn < 1 || !strings.Contains(pg.Body, incoming) {
				t.Fatalf("no incoming figure %d linking to the partner's requests (%s)", w.wantIn, incoming)
			}
			rot := regexp.MustCompile(`href="/rotations/` + strconv.FormatInt(w.rotation, 10) + `[?"]`)
			if list := of.get("/calendar/requests?home=" + partner + "&stage=confirmed"); list.Status != http.StatusOK || !rot.MatchString(list.Body) {
				t.Errorf("the incoming figure's list (%d) does not hold the partner's rotation", list.Status)
			}
			if list := of.get("/calendar/requests?home=" + strconv.FormatInt(w.partner+1000, 10) + "&stage=confirmed"); rot.MatchString(list.Body) {
				t.Error("another partner's list holds the rotation")
			}
			if list := of.get("/calendar/requests?home=banana"); list.Status < 400 || list.Status >= 500 {
				t.Errorf("a home of banana: %d", list.Status)
			}
			queue := of.get("/review?partner=" + partner + "&stage=confirmed&stage=completed")
			wantStatus(t, queue, http.StatusOK)
			if !regexp.MustCompile(`href="/applications/` + strconv.FormatInt(w.app, 10) + `[?"]`).MatchString(queue.Body) {
				t.Error("the figure's list does not hold the confirmed application")
			}
		})

		t.Run("the export is a workbook in the reader's language with the same figures", func(t *testing.T) {
			ja := p.browser()
			ja.Language = string(i18n.Japanese)
			ja.signIn("office")
			pg := ja.get("/reports/reciprocity?format=xlsx&year=" + year + "&institution=" + partner)
			wantStatus(t, pg, http.StatusOK)
			f, err := excelize.OpenReader(bytes.NewReader([]byte(pg.Body)))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.GetRows("reciprocity")
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) < 2 || rows[0][2] != "派遣学生" || rows[0][4] != "受入学生" {
				t.Fatalf("workbook headers: %v", rows)
			}
			var out, in, weeks int64
			for _, r := range rows[1:] {
				o, _ := strconv.ParseInt(r[2], 10, 64)
				i, _ := strconv.ParseInt(r[4], 10, 64)
				wk, _ := strconv.ParseInt(r[5], 10, 64)
				out, in, weeks = out+o, in+i, weeks+wk
			}
			if out != w.wantOut || in != w.wantIn || weeks != w.wantWeeks {
				t.Errorf("workbook: %d out, %d in, %d incoming weeks; want %d %d %d", out, in, weeks, w.wantOut, w.wantIn, w.wantWeeks)
			}
		})

		t.Run("the funding register and completion render with links to what they count", func(t *testing.T) {
			pg := of.get("/reports/funding?year=" + year + "&institution=" + partner)
			wantStatus(t, pg, http.StatusOK)
			for _, want := range []string{`/applications/` + strconv.FormatInt(w.app, 10), `/rotations/` + strconv.FormatInt(w.rotation, 10), "Aiko Visitor"} {
				if !strings.Contains(pg.Body, want) {
					t.Errorf("the funding register lacks %s", want)
				}
			}
			wantStatus(t, of.get("/reports/completion?year="+year), http.StatusOK)
			wantStatus(t, of.get("/reports/completion?year="+year+"&specialty=surgery&institution="+partner), http.StatusOK)
			csv := of.get("/reports/funding?format=csv&year=" + year)
			if csv.Status != http.StatusOK || !strings.Contains(csv.Body, "Aiko Visitor") {
				t.Errorf("funding csv: %d\n%s", csv.Status, csv.Body)
			}
		})

		t.Run("the agreement form asks for the agreed ratio", func(t *testing.T) {
			id := strconv.FormatInt(w.agreement, 10)
			pg := of.get("/manage/agreements/" + id)
			wantStatus(t, pg, http.StatusOK)
			if !strings.Contains(pg.Body, `name="ratio_out"`) || !strings.Contains(pg.Body, `name="ratio_in"`) {
				t.Fatal("the agreement form has no ratio")
			}
		})
	})
}
