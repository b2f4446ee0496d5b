package ewp_test

import (
	"context"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/ewp"
	"portal/internal/ewp/ewptest"
	"portal/internal/testutil"
	"portal/internal/user"
)

var now = time.Date(2026, time.November, 21, 9, 0, 0, 0, time.UTC)

// fixture is a home university, a partner with its SCHAC code, a
// student-exchange agreement and an elective under it, a clinical
// elective outside any agreement, and a student nominated to the first.
type fixture struct {
	d                    *db.DB
	s                    *ewp.Service
	office, student      *user.User
	deal                 catalog.Agreement
	exchange, clinical   catalog.Period
	app                  application.Application
	exchangeE, clinicalE catalog.Elective
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{d: d, s: ewp.NewService(d, ewp.Options{Now: func() time.Time { return now }})}
	g := d.DB
	home := catalog.Institution{NameEN: "Home Medical University", Country: "TW", Kind: "university", Identifier: "home-med.edu.tw", IsHome: true, CreatedAt: now, UpdatedAt: now}
	host := catalog.Institution{NameEN: "Kumamoto University", NameLocal: "熊本大学", Country: "JP", Kind: "university", Identifier: "kumamoto-u.ac.jp",
		ContactName: "Aiko Tanaka", ContactEmail: "aiko@kumamoto-u.ac.jp", CreatedAt: now, UpdatedAt: now}
	must(t, g.Create(&home).Error)
	must(t, g.Create(&host).Error)
	f.deal = catalog.Agreement{InstitutionID: host.ID, Kind: "student_exchange", Title: "Exchange", ValidFrom: now.AddDate(-1, 0, 0),
		ValidUntil: now.AddDate(3, 0, 0), QuotaOut: 4, QuotaIn: 2, CreatedAt: now, UpdatedAt: now}
	must(t, g.Create(&f.deal).Error)
	f.exchangeE = catalog.Elective{Direction: "outgoing", InstitutionID: host.ID, AgreementID: &f.deal.ID, Kind: "clinical_elective", TitleEN: "Hepatology",
		Specialty: "internal_medicine", Language: "ja", LanguageLevel: "B2", DurationWeeks: 4, OpensOn: now, ClosesOn: now.AddDate(0, 1, 0), CreatedAt: now, UpdatedAt: now}
	f.clinicalE = catalog.Elective{Direction: "outgoing", InstitutionID: host.ID, Kind: "observership", TitleEN: "Surgery observership",
		Specialty: "surgery", Language: "en", DurationWeeks: 2, OpensOn: now, ClosesOn: now.AddDate(0, 1, 0), CreatedAt: now, UpdatedAt: now}
	must(t, g.Create(&f.exchangeE).Error)
	must(t, g.Create(&f.clinicalE).Error)
	day := time.Date(2027, time.February, 1, 0, 0, 0, 0, time.UTC)
	f.exchange = catalog.Period{ElectiveID: f.exchangeE.ID, StartsOn: day, EndsOn: day.AddDate(0, 0, 27), Capacity: 3, CreatedAt: now, UpdatedAt: now}
	f.clinical = catalog.Period{ElectiveID: f.clinicalE.ID, StartsOn: day, EndsOn: day.AddDate(0, 0, 13), Capacity: 3, CreatedAt: now, UpdatedAt: now}
	must(t, g.Create(&f.exchange).Error)
	must(t, g.Create(&f.clinical).Error)
	num := "B10401042"
	f.student = &user.User{Issuer: "t", Subject: "s", Email: "mei@home-med.edu.tw", Name: "Chen Mei-Ling", StudentNumber: &num,
		CreatedAt: now, UpdatedAt: now, Roles: []user.Role{user.Student}}
	f.office = &user.User{Issuer: "t", Subject: "o", Email: "office@home-med.edu.tw", Name: "Office", CreatedAt: now, UpdatedAt: now,
		Roles: []user.Role{user.Office}}
	must(t, g.Create(f.student).Error)
	must(t, g.Create(f.office).Error)
	f.app = application.Application{ApplicantID: f.student.ID, Direction: "outgoing", Status: application.Nominated, Version: 5,
		Specialty: "internal_medicine", CurrentChoice: 1, StageSince: now, NominatedAt: &now, CreatedAt: now, UpdatedAt: now}
	must(t, g.Create(&f.app).Error)
	must(t, g.Create(&application.Choice{ApplicationID: f.app.ID, Rank: 1, ElectiveID: f.exchangeE.ID, PeriodID: f.exchange.ID, NominatedAt: &now}).Error)
	must(t, g.Create(&application.Choice{ApplicationID: f.app.ID, Rank: 2, ElectiveID: f.clinicalE.ID, PeriodID: f.clinical.ID}).Error)
	return f
}

func (f *fixture) facts(t *testing.T) {
	t.Helper()
	must(t, f.s.SetStudent(context.Background(), f.office, ewp.StudentFacts{UserID: f.student.ID, GivenNames: "Mei-Ling", FamilyName: "Chen",
		GivenNamesLocal: "美玲", FamilyNameLocal: "陳", LocalLang: "zh-Hant", BirthDate: time.Date(2001, 3, 14, 0, 0, 0, 0, time.UTC), Nationality: "tw", Gender: 2}))
}

type parsed struct {
	Mobilities []struct {
		ID      string `xml:"omobility-id"`
		Student struct {
			Given []struct {
				Lang string `xml:"lang,attr"`
				V    string `xml:",chardata"`
			} `xml:"given-names"`
			GlobalID string `xml:"global-id"`
		} `xml:"student"`
		Nomination struct {
			Proposal string `xml:"proposal-id,attr"`
			Year     string `xml:"receiving-academic-year-id"`
		} `xml:"nomination"`
		Status string `xml:"status"`
	} `xml:"student-mobility"`
}

func omobilities(t *testing.T, f *fixture) parsed {
	t.Helper()
	b, err := f.s.OmobilitiesXML(context.Background(), f.office, f.app.ID)
	must(t, err)
	ewptest.Validate(t, ewptest.Omobilities, b)
	var p parsed
	must(t, xml.Unmarshal(b, &p))
	if len(p.Mobilities) != 1 {
		t.Fatalf("want the one credit-bearing nomination, got %d:\n%s", len(p.Mobilities), b)
	}
	return p
}

func code(err error) apperr.Code {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestANominationIsAnOutgoingMobilityThatValidatesAndFollowsItsStage(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.s.OmobilitiesXML(ctx, f.office, f.app.ID); code(err) != apperr.Invalid {
			t.Fatalf("without the student's birth date and nationality the export is refused, got %v", err)
		}
		f.facts(t)
		if _, err := f.s.OmobilitiesXML(ctx, f.student, f.app.ID); code(err) != apperr.NotFound {
			t.Fatalf("a student cannot read EWP documents, got %v", err)
		}

		p := omobilities(t, f)
		m := p.Mobilities[0]
		if m.Status != "pending" || m.Nomination.Year != "2026/2027" {
			t.Errorf("a nomination waiting for its host is pending in 2026/2027, got %s %s", m.Status, m.Nomination.Year)
		}
		if len(m.Student.Given) != 2 || m.Student.Given[1].Lang != "zh-Hant" || m.Student.Given[1].V != "美玲" {
			t.Errorf("the names come in both scripts with their language: %+v", m.Student.Given)
		}
		if m.Student.GlobalID != "urn:schac:personalUniqueCode:int:esi:home-med.edu.tw:B10401042" {
			t.Errorf("global id %q", m.Student.GlobalID)
		}

		// The host accepts: the status moves, the nomination's content
		// (and so its proposal-id) does not.
		must(t, d.Table("applications").Where("id = ?", f.app.ID).Update("status", "host_accepted").Error)
		again := omobilities(t, f).Mobilities[0]
		if again.Status != "approved" || again.ID != m.ID || again.Nomination.Proposal != m.Nomination.Proposal {
			t.Errorf("after the host's yes: status %s, id %s (was %s), proposal %s (was %s)", again.Status, again.ID, m.ID, again.Nomination.Proposal, m.Nomination.Proposal)
		}

		// The office moves the nomination to another period: new content,
		// new proposal-id, same mobility.
		must(t, d.Table("periods").Where("id = ?", f.exchange.ID).Updates(map[string]any{"starts_on": time.Date(2027, 8, 2, 0, 0, 0, 0, time.UTC), "ends_on": time.Date(2027, 8, 29, 0, 0, 0, 0, time.UTC)}).Error)
		moved := omobilities(t, f).Mobilities[0]
		if moved.ID != m.ID || moved.Nomination.Proposal == m.Nomination.Proposal || moved.Nomination.Year != "2027/2028" {
			t.Errorf("a changed nomination keeps its id %s and gets a new proposal-id: %+v", m.ID, moved)
		}

		must(t, d.Table("applications").Where("id = ?", f.app.ID).Update("status", "withdrawn").Error)
		if s := omobilities(t, f).Mobilities[0].Status; s != "cancelled" {
			t.Errorf("a withdrawn nomination is cancelled, got %s", s)
		}
	})
}

func TestAClinicalTraineeshipIsExportedAsJSONOnly(t *testing.T) {
	d := testutil.OpenDB(t, testutil.SQLite)
	f := newFixture(t, d)
	f.facts(t)
	ctx := context.Background()
	// The first choice is declined by the host; the observership is nominated.
	must(t, d.Table("application_choices").Where("application_id = ? AND rank = 1", f.app.ID).Update("host_decision", "rejected").Error)
	must(t, d.Table("application_choices").Where("application_id = ? AND rank = 2", f.app.ID).Update("nominated_at", now).Error)
	must(t, d.Table("applications").Where("id = ?", f.app.ID).Update("current_choice", 2).Error)

	ex, err := f.s.Mobilities(ctx, f.office, f.app.ID)
	must(t, err)
	if len(ex.Studies) != 1 || ex.Studies[0].Status != "rejected" || len(ex.Traineeships) != 1 || ex.Traineeships[0].Status != "pending" {
		t.Fatalf("want the rejected exchange in EWP and the pending observership outside it: %+v", ex)
	}
	if tr := ex.Traineeships[0]; !tr.Traineeship || tr.Nomination.StartsOn != "2027-02-01" || tr.Nomination.ReceivingHEI.HeiID != "kumamoto-u.ac.jp" {
		t.Errorf("the traineeship carries the same fields: %+v", tr)
	}

	must(t, d.Table("application_choices").Where("application_id = ? AND rank = 1", f.app.ID).Update("nominated_at", nil).Error)
	if _, err := f.s.OmobilitiesXML(ctx, f.office, f.app.ID); code(err) != apperr.Invalid {
		t.Errorf("a traineeship alone has no EWP v3 document, got %v", err)
	}
}

func TestAnAgreementIsAnIIAWithItsYearlyQuotas(t *testing.T) {
	d := testutil.OpenDB(t, testutil.SQLite)
	f := newFixture(t, d)
	b, err := f.s.IIAXML(context.Background(), f.office, f.deal.ID)
	must(t, err)
	ewptest.Validate(t, ewptest.IIAs, b)
	s := string(b)
	for _, want := range []string{"<hei-id>home-med.edu.tw</hei-id>", "<mobilities-per-year>4</mobilities-per-year>",
		"<mobilities-per-year>2</mobilities-per-year>", "<receiving-first-academic-year-id>2025/2026</receiving-first-academic-year-id>",
		"<language>ja</language>", "<in-effect>true</in-effect>"} {
		if !strings.Contains(s, want) {
			t.Errorf("the IIA lacks %s:\n%s", want, s)
		}
	}
	if strings.Index(s, "home-med.edu.tw") > strings.Index(s, "kumamoto-u.ac.jp") {
		t.Error("the local institution is the first partner")
	}
	if _, err := f.s.IIAXML(context.Background(), f.student, f.deal.ID); code(err) != apperr.NotFound {
		t.Errorf("a student cannot read it, got %v", err)
	}
}
