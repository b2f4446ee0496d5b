package catalog_test

import (
	"strings"
	"testing"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/testutil"
)

// ruleWorld is the catalog the validation rules are tried on.
type ruleWorld struct {
	*world
	homeInst, kumamoto, lille, closed *catalog.Institution
	current, expired, short           *catalog.Agreement // with Kumamoto: until day 730, day -10, day 100
	lilleAgreement                    *catalog.Agreement
	hepatology, virology              *catalog.Elective // under current and short
	first, second                     *catalog.Period   // of hepatology: days 60-80 (3 of 5 seats taken) and 100-120
	cardiology, neurology             *catalog.Department
	hepatologyIn, virologyIn          catalog.ElectiveInput
	partnerIn                         catalog.InstitutionInput
}

func newRuleWorld(t *testing.T, d *db.DB) *ruleWorld {
	w := &ruleWorld{world: newWorld(t, d)}
	w.homeInst = w.home()
	w.partnerIn = catalog.InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学", Country: "JP", City: "Kumamoto", Kind: "university"}
	w.kumamoto = w.institution(w.partnerIn)
	w.lille = w.partner("Université de Lille", "", "FR", "Lille")
	w.closed = w.partner("Closed College", "", "GB", "London")
	w.must(w.s.Retire(w.ctx, catalog.KindInstitution, w.closed.ID), "retire institution")
	w.current = w.agreement(w.kumamoto.ID, -365, 730)
	w.expired = w.agreement(w.kumamoto.ID, -800, -10)
	w.short = w.agreement(w.kumamoto.ID, -30, 100)
	w.lilleAgreement = w.agreement(w.lille.ID, -30, 700)

	w.hepatologyIn = electiveInput(w.kumamoto.ID, "Hepatology clinical elective")
	w.hepatologyIn.AgreementID = w.current.ID
	w.hepatology = w.elective(w.hepatologyIn)
	w.first = w.period(w.hepatology.ID, 60, 80, 5)
	w.take(w.first.ID, 3)
	w.second = w.period(w.hepatology.ID, 100, 120, 5)
	w.virologyIn = electiveInput(w.kumamoto.ID, "Virology research exchange")
	w.virologyIn.AgreementID = w.short.ID
	w.virology = w.elective(w.virologyIn)

	var err error
	w.cardiology, err = w.s.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "CARD", NameEN: "Cardiology", NameZH: "心臟內科"})
	w.must(err, "department")
	w.neurology, err = w.s.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "NEURO", NameEN: "Neurology", NameZH: "神經內科"})
	w.must(err, "department")
	return w
}

func TestRefusedChangesSayWhyAndChangeNothing(t *testing.T) {
	long := strings.Repeat("a", 201)
	tests := []struct {
		name       string
		do         func(w *ruleWorld) error
		field, key string
		args       []any
	}{
		// Dates in order.
		{"agreement ends before it starts", func(w *ruleWorld) error {
			_, err := w.s.CreateAgreement(w.ctx, agreementInput(w.kumamoto.ID, 10, 5))
			return err
		}, "valid_until", "catalog.err.end_before_start", nil},
		{"agreement ends the day it starts", func(w *ruleWorld) error {
			_, err := w.s.CreateAgreement(w.ctx, agreementInput(w.kumamoto.ID, 10, 10))
			return err
		}, "valid_until", "catalog.err.end_before_start", nil},
		{"agreement edited to end before it starts", func(w *ruleWorld) error {
			return w.s.UpdateAgreement(w.ctx, w.current.ID, agreementInput(w.kumamoto.ID, 10, 5))
		}, "valid_until", "catalog.err.end_before_start", nil},
		{"window closes before it opens", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.OpensOn, in.ClosesOn = day(10), day(5)
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "closes_on", "catalog.err.end_before_start", nil},
		{"period ends before it starts", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(200, 199, 3))
			return err
		}, "ends_on", "catalog.err.end_before_start", nil},
		{"period edited to end before it starts", func(w *ruleWorld) error {
			return w.s.UpdatePeriod(w.ctx, w.second.ID, periodInput(100, 90, 5))
		}, "ends_on", "catalog.err.end_before_start", nil},

		// Seats.
		{"capacity below zero", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(200, 210, -1))
			return err
		}, "capacity", "catalog.err.capacity_negative", nil},
		{"capacity edited below zero", func(w *ruleWorld) error {
			return w.s.UpdatePeriod(w.ctx, w.second.ID, periodInput(100, 120, -3))
		}, "capacity", "catalog.err.capacity_negative", nil},
		{"capacity below the seats taken", func(w *ruleWorld) error {
			return w.s.UpdatePeriod(w.ctx, w.first.ID, periodInput(60, 80, 2))
		}, "capacity", "catalog.err.capacity_below_taken", []any{3}},

		// The window closes before every period starts.
		{"period starts the day the window closes", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(30, 40, 3))
			return err
		}, "starts_on", "catalog.err.window_after_start", []any{day(30)}},
		{"period starts before the window closes", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(10, 20, 3))
			return err
		}, "starts_on", "catalog.err.window_after_start", []any{day(30)}},
		{"window moved to close the day the first period starts", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.ClosesOn = day(60)
			return w.s.UpdateElective(w.ctx, w.hepatology.ID, in)
		}, "closes_on", "catalog.err.window_after_start", []any{day(60)}},
		{"window moved past the first period", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.ClosesOn = day(90)
			return w.s.UpdateElective(w.ctx, w.hepatology.ID, in)
		}, "closes_on", "catalog.err.window_after_start", []any{day(60)}},

		// Periods of an elective do not overlap.
		{"period overlapping the end of another", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(70, 90, 3))
			return err
		}, "starts_on", "catalog.err.period_overlap", []any{day(60), day(80)}},
		{"period inside another", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(65, 70, 3))
			return err
		}, "starts_on", "catalog.err.period_overlap", []any{day(60), day(80)}},
		{"period around another", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(95, 125, 3))
			return err
		}, "starts_on", "catalog.err.period_overlap", []any{day(100), day(120)}},
		{"period starting the day another ends", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, periodInput(80, 90, 3))
			return err
		}, "starts_on", "catalog.err.period_overlap", []any{day(60), day(80)}},
		{"period moved onto another", func(w *ruleWorld) error {
			return w.s.UpdatePeriod(w.ctx, w.second.ID, periodInput(75, 95, 5))
		}, "starts_on", "catalog.err.period_overlap", []any{day(60), day(80)}},

		// Agreements.
		{"period starting after the agreement ends", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.virology.ID, periodInput(101, 110, 3))
			return err
		}, "starts_on", "catalog.err.agreement_ends_before", []any{day(100)}},
		{"agreement shortened before a period starts", func(w *ruleWorld) error {
			return w.s.UpdateAgreement(w.ctx, w.current.ID, agreementInput(w.kumamoto.ID, -365, 90))
		}, "valid_until", "catalog.err.agreement_periods_after", []any{int64(1)}},
		{"elective linked to an expired agreement", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.AgreementID = w.expired.ID
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "agreement_id", "catalog.err.agreement_expired", []any{day(-10)}},
		{"elective relinked to an expired agreement", func(w *ruleWorld) error {
			in := w.virologyIn
			in.AgreementID = w.expired.ID
			return w.s.UpdateElective(w.ctx, w.virology.ID, in)
		}, "agreement_id", "catalog.err.agreement_expired", []any{day(-10)}},
		{"elective linked to an agreement of another institution", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.AgreementID = w.lilleAgreement.ID
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "agreement_id", "catalog.err.agreement_other", nil},
		{"elective linked to an unknown agreement", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.AgreementID = 9999
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "agreement_id", "catalog.err.agreement_other", nil},

		// Institutions.
		{"elective at a retired institution", func(w *ruleWorld) error {
			_, err := w.s.CreateElective(w.ctx, electiveInput(w.closed.ID, "Ghost elective"))
			return err
		}, "institution_id", "form.not_a_choice", nil},
		{"elective at an unknown institution", func(w *ruleWorld) error {
			_, err := w.s.CreateElective(w.ctx, electiveInput(9999, "Ghost elective"))
			return err
		}, "institution_id", "form.not_a_choice", nil},
		{"outgoing elective at the home institution", func(w *ruleWorld) error {
			_, err := w.s.CreateElective(w.ctx, electiveInput(w.homeInst.ID, "Home elective"))
			return err
		}, "institution_id", "catalog.err.outgoing_home", nil},
		{"incoming elective without a department", func(w *ruleWorld) error {
			in := electiveInput(0, "Rotation")
			in.Direction = catalog.Incoming
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "department_id", "form.required", nil},
		{"incoming elective at an unknown department", func(w *ruleWorld) error {
			in := electiveInput(0, "Rotation")
			in.Direction, in.DepartmentID = catalog.Incoming, 9999
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "department_id", "form.not_a_choice", nil},
		{"agreement with a retired institution", func(w *ruleWorld) error {
			_, err := w.s.CreateAgreement(w.ctx, agreementInput(w.closed.ID, 0, 365))
			return err
		}, "institution_id", "catalog.err.retired", nil},
		{"agreement moved to a retired institution", func(w *ruleWorld) error {
			return w.s.UpdateAgreement(w.ctx, w.lilleAgreement.ID, agreementInput(w.closed.ID, -30, 700))
		}, "institution_id", "catalog.err.retired", nil},
		{"agreement with an unknown institution", func(w *ruleWorld) error {
			_, err := w.s.CreateAgreement(w.ctx, agreementInput(9999, 0, 365))
			return err
		}, "institution_id", "form.not_a_choice", nil},
		{"funding from a retired institution", func(w *ruleWorld) error {
			_, err := w.s.CreateFunding(w.ctx, catalog.FundingInput{NameEN: "Grant", Sponsor: "Closed College", SponsorKind: "university",
				InstitutionID: w.closed.ID, Amount: "1000", Currency: "GBP", Deadline: day(30)})
			return err
		}, "institution_id", "catalog.err.retired", nil},
		{"a second home institution", func(w *ruleWorld) error {
			_, err := w.s.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Another Home", Country: "TW", Kind: "university", IsHome: true})
			return err
		}, "is_home", "catalog.err.second_home", nil},
		{"a partner made home", func(w *ruleWorld) error {
			in := w.partnerIn
			in.IsHome = true
			return w.s.UpdateInstitution(w.ctx, w.kumamoto.ID, in)
		}, "is_home", "catalog.err.second_home", nil},

		// Departments.
		{"a department code already used", func(w *ruleWorld) error {
			_, err := w.s.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "card", NameEN: "Cardiac surgery", NameZH: "心臟外科"})
			return err
		}, "code", "catalog.err.code_taken", nil},
		{"a department renamed to a code already used", func(w *ruleWorld) error {
			return w.s.UpdateDepartment(w.ctx, w.neurology.ID, catalog.DepartmentInput{Code: "CARD", NameEN: "Neurology", NameZH: "神經內科"})
		}, "code", "catalog.err.code_taken", nil},
		{"a department code with spaces", func(w *ruleWorld) error {
			_, err := w.s.CreateDepartment(w.ctx, catalog.DepartmentInput{Code: "OB GYN", NameEN: "Obstetrics", NameZH: "婦產科"})
			return err
		}, "code", "catalog.err.code", nil},

		// Vocabularies.
		{"unknown country", func(w *ruleWorld) error {
			_, err := w.s.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Atlantis University", Country: "ZZ", Kind: "university"})
			return err
		}, "country", "form.not_a_choice", nil},
		{"unknown institution kind", func(w *ruleWorld) error {
			_, err := w.s.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: "Osaka Castle", Country: "JP", Kind: "castle"})
			return err
		}, "kind", "form.not_a_choice", nil},
		{"unknown agreement kind", func(w *ruleWorld) error {
			in := agreementInput(w.kumamoto.ID, 0, 365)
			in.Kind = "handshake"
			_, err := w.s.CreateAgreement(w.ctx, in)
			return err
		}, "kind", "form.not_a_choice", nil},
		{"unknown direction", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.Direction = "sideways"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "direction", "form.not_a_choice", nil},
		{"unknown elective kind", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.Kind = "holiday"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "kind", "form.not_a_choice", nil},
		{"unknown specialty", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.Specialty = "astrology"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "specialty", "form.not_a_choice", nil},
		{"unknown language", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.Language = "tlh"
			return w.s.UpdateElective(w.ctx, w.hepatology.ID, in)
		}, "language", "form.not_a_choice", nil},
		{"unknown required document", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.RequiredDocs = []string{"transcript", "horoscope"}
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "required_docs", "form.not_a_choice", nil},
		{"fee in an unknown currency", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.FeeAmount, in.FeeCurrency = "500", "XYZ"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "fee_currency", "form.not_a_choice", nil},
		{"unknown sponsor kind", func(w *ruleWorld) error {
			_, err := w.s.CreateFunding(w.ctx, catalog.FundingInput{NameEN: "Grant", Sponsor: "Someone", SponsorKind: "lottery",
				Amount: "1000", Currency: "TWD", Deadline: day(30)})
			return err
		}, "sponsor_kind", "form.not_a_choice", nil},

		// Numbers.
		{"capacity in words", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, catalog.PeriodInput{StartsOn: day(200), EndsOn: day(210), Capacity: "five"})
			return err
		}, "capacity", "form.whole_number", nil},
		{"capacity with decimals", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, catalog.PeriodInput{StartsOn: day(200), EndsOn: day(210), Capacity: "2.5"})
			return err
		}, "capacity", "form.whole_number", nil},
		{"quota in words", func(w *ruleWorld) error {
			in := agreementInput(w.kumamoto.ID, 0, 365)
			in.QuotaOut = "many"
			_, err := w.s.CreateAgreement(w.ctx, in)
			return err
		}, "quota_out", "form.whole_number", nil},
		{"year of study in words", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.MinYear = "fifth"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "min_year", "form.whole_number", nil},
		{"duration over a year", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.DurationWeeks = "53"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "duration_weeks", "form.at_most", []any{52}},
		{"fee in words", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.FeeAmount, in.FeeCurrency = "ten dollars", "USD"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "fee_amount", "form.whole_number", nil},
		{"funding amount in scientific notation", func(w *ruleWorld) error {
			_, err := w.s.CreateFunding(w.ctx, catalog.FundingInput{NameEN: "Grant", Sponsor: "Ministry of Education", SponsorKind: "ministry",
				Amount: "1e6", Currency: "TWD", Deadline: day(30)})
			return err
		}, "amount", "form.whole_number", nil},

		// Dates.
		{"a thirteenth month", func(w *ruleWorld) error {
			in := agreementInput(w.kumamoto.ID, 0, 365)
			in.ValidFrom = "2026-13-01"
			_, err := w.s.CreateAgreement(w.ctx, in)
			return err
		}, "valid_from", "form.date", nil},
		{"30 February", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.ClosesOn = "2027-02-30"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "closes_on", "form.date", nil},
		{"a date in words", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, catalog.PeriodInput{StartsOn: "next monday", EndsOn: day(210), Capacity: "3"})
			return err
		}, "starts_on", "form.date", nil},
		{"a day-first date", func(w *ruleWorld) error {
			_, err := w.s.CreateFunding(w.ctx, catalog.FundingInput{NameEN: "Grant", Sponsor: "Ministry of Education", SponsorKind: "ministry",
				Amount: "1000", Currency: "TWD", Deadline: "21/11/2026"})
			return err
		}, "deadline", "form.date", nil},
		{"a missing date", func(w *ruleWorld) error {
			_, err := w.s.AddPeriod(w.ctx, w.hepatology.ID, catalog.PeriodInput{StartsOn: day(200), EndsOn: " ", Capacity: "3"})
			return err
		}, "ends_on", "form.required", nil},

		// E-mail addresses, links, identifiers.
		{"an e-mail without @", func(w *ruleWorld) error {
			in := w.partnerIn
			in.ContactEmail = "exchange at kumamoto-u.ac.jp"
			return w.s.UpdateInstitution(w.ctx, w.kumamoto.ID, in)
		}, "contact_email", "form.email", nil},
		{"an e-mail with a display name", func(w *ruleWorld) error {
			in := w.partnerIn
			in.ContactEmail = "Office <exchange@kumamoto-u.ac.jp>"
			return w.s.UpdateInstitution(w.ctx, w.kumamoto.ID, in)
		}, "contact_email", "form.email", nil},
		{"a javascript: link", func(w *ruleWorld) error {
			in := w.partnerIn
			in.Website = "javascript:alert(1)"
			return w.s.UpdateInstitution(w.ctx, w.kumamoto.ID, in)
		}, "website", "form.url", nil},
		{"a link without a scheme", func(w *ruleWorld) error {
			in := agreementInput(w.kumamoto.ID, 0, 365)
			in.DocumentURL = "www.kumamoto-u.ac.jp/mou.pdf"
			_, err := w.s.CreateAgreement(w.ctx, in)
			return err
		}, "document_url", "form.url", nil},
		{"an ftp link", func(w *ruleWorld) error {
			in := agreementInput(w.kumamoto.ID, 0, 365)
			in.DocumentURL = "ftp://files.kumamoto-u.ac.jp/mou.pdf"
			_, err := w.s.CreateAgreement(w.ctx, in)
			return err
		}, "document_url", "form.url", nil},
		{"an identifier with spaces", func(w *ruleWorld) error {
			in := w.partnerIn
			in.Identifier = "Kumamoto U"
			return w.s.UpdateInstitution(w.ctx, w.kumamoto.ID, in)
		}, "identifier", "catalog.err.identifier", nil},

		// Text.
		{"a name too long", func(w *ruleWorld) error {
			_, err := w.s.CreateInstitution(w.ctx, catalog.InstitutionInput{NameEN: long, Country: "JP", Kind: "university"})
			return err
		}, "name_en", "form.too_long", []any{200}},
		{"a Chinese title too long", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.TitleZH = strings.Repeat("肝", 201)
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "title_zh", "form.too_long", []any{200}},
		{"a description too long", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.DescriptionEN = strings.Repeat("word ", 1001)
			return w.s.UpdateElective(w.ctx, w.hepatology.ID, in)
		}, "description_en", "form.too_long", []any{5000}},
		{"a title of spaces", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.TitleEN = "   "
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "title_en", "form.required", nil},
		{"a NUL byte", func(w *ruleWorld) error {
			in := w.hepatologyIn
			in.TitleEN = "Hepatology\x00"
			_, err := w.s.CreateElective(w.ctx, in)
			return err
		}, "title_en", "form.bad_characters", nil},
	}
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newRuleWorld(t, d)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w.t = t
				before := w.snapshot()
				err := tt.do(w)
				wantField(t, err, tt.field, tt.key, tt.args)
				if after := w.snapshot(); after != before {
					t.Errorf("the refused change changed the database:\nbefore\n%s\nafter\n%s", before, after)
				}
			})
		}
	})
}

// TestTouchingIsNotOverlapping: a period may end the day before another
// starts, or start the day after it ends; a period may start on the
// agreement's last day; capacity may equal the seats taken.
func TestTouchingIsNotOverlapping(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newRuleWorld(t, d)
		w.period(w.hepatology.ID, 40, 59, 2) // first starts on day 60
		w.period(w.hepatology.ID, 81, 99, 2) // first ends on day 80, second starts on 100
		w.period(w.virology.ID, 100, 110, 2) // the agreement ends on day 100
		w.must(w.s.UpdatePeriod(w.ctx, w.first.ID, periodInput(60, 80, 3)), "capacity equal to the seats taken")
		if n := w.count("periods"); n != 5 {
			t.Errorf("%d periods, want 5", n)
		}
		// Retired periods do not block their days.
		w.must(w.s.Retire(w.ctx, catalog.KindPeriod, w.second.ID), "retire period")
		w.period(w.hepatology.ID, 100, 120, 4)
	})
}
