package catalog

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"portal/internal/apperr"
	"portal/internal/text"
)

// The inputs below are what an admin typed, as text: parsing is part of
// validation, so that "abc" in a number field gets its own message.

// InstitutionInput creates or edits an institution.
type InstitutionInput struct {
	NameEN, NameLocal, Country, City, Kind, Identifier, Website, ContactName, ContactEmail string
	IsHome                                                                                 bool
}

// AgreementInput creates or edits an agreement.
type AgreementInput struct {
	InstitutionID                                        int64
	Kind, Title, Fields, ValidFrom, ValidUntil, QuotaOut string
	QuotaIn, DocumentURL                                 string
	RatioOut, RatioIn                                    string // "" is 1: an exchange in balance
}

// DepartmentInput creates or edits a home-hospital department.
type DepartmentInput struct {
	Code, NameEN, NameZH string
}

// ElectiveInput creates or edits an elective.
type ElectiveInput struct {
	Direction                                 string
	InstitutionID, AgreementID, DepartmentID  int64 // 0: none
	Kind, TitleEN, TitleZH, Specialty         string
	DescriptionEN, DescriptionZH              string
	Language, LanguageLevel                   string
	MinYear, DurationWeeks                    string
	RequiredDocs                              []string
	FeeAmount, FeeCurrency, OpensOn, ClosesOn string
}

// PeriodInput creates or edits a period.
type PeriodInput struct {
	StartsOn, EndsOn, Capacity string
}

// FundingInput creates or edits a funding opportunity.
type FundingInput struct {
	NameEN, NameZH, Sponsor, SponsorKind string
	InstitutionID                        int64
	Amount, Currency, Eligibility        string
	Deadline                             string
}

// checker parses and validates one input, collecting a message per field.
type checker struct{ f apperr.Fields }

func newChecker() *checker { return &checker{f: apperr.Fields{}} }

func (c *checker) text(field, v string, required bool, maxLen int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		c.f.Add(field, "form.required")
	case len([]rune(v)) > maxLen:
		c.f.Add(field, "form.too_long", maxLen)
	case strings.ContainsAny(v, "\x00"):
		c.f.Add(field, "form.bad_characters")
	}
	return v
}

// name is text that names a person or a place: besides being text, it must
// show what it says, since names are printed on letters and lists.
func (c *checker) name(field, v string, required bool, maxLen int) string {
	v = c.text(field, v, required, maxLen)
	if text.HasHidden(v) {
		c.f.Add(field, "input.hidden_characters")
	}
	return v
}

func (c *checker) oneOf(field, v string, allowed []string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		c.f.Add(field, "form.required")
	} else if !slices.Contains(allowed, v) {
		c.f.Add(field, "form.not_a_choice")
	}
	return v
}

func (c *checker) date(field, v string) time.Time {
	if strings.TrimSpace(v) == "" {
		c.f.Add(field, "form.required")
		return time.Time{}
	}
	t, ok := Date(v)
	if !ok {
		c.f.Add(field, "form.date")
	}
	return t
}

func (c *checker) number(field, v string, lo, hi int) int {
	v = strings.TrimSpace(v)
	if v == "" {
		c.f.Add(field, "form.required")
		return 0
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		c.f.Add(field, "form.whole_number")
	case n < lo:
		c.f.Add(field, "form.at_least", lo)
	case n > hi:
		c.f.Add(field, "form.at_most", hi)
	}
	return n
}

// ratio is one side of an agreed reciprocity ratio: blank means 1, since
// imports and older forms never asked and most exchanges are one for one.
func (c *checker) ratio(field, v string) int {
	if strings.TrimSpace(v) == "" {
		return 1
	}
	return c.number(field, v, 1, 100)
}

func (c *checker) email(field, v string) string {
	v = strings.TrimSpace(v)
	if v != "" {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			c.f.Add(field, "form.email")
		}
	}
	return v
}

func (c *checker) url(field, v string) string {
	v = strings.TrimSpace(v)
	if v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			c.f.Add(field, "form.url")
		}
	}
	return v
}

var identifierRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

func (c *checker) err() error { return c.f.Err() }

func (in InstitutionInput) check() (Institution, error) {
	c := newChecker()
	i := Institution{
		NameEN:       c.name("name_en", in.NameEN, true, 200),
		NameLocal:    c.name("name_local", in.NameLocal, false, 200),
		Country:      c.oneOf("country", strings.ToUpper(in.Country), Countries),
		City:         c.text("city", in.City, false, 100),
		Kind:         c.oneOf("kind", in.Kind, InstitutionKinds),
		Identifier:   strings.ToLower(c.text("identifier", in.Identifier, false, 100)),
		Website:      c.url("website", in.Website),
		ContactName:  c.name("contact_name", in.ContactName, false, 200),
		ContactEmail: c.email("contact_email", in.ContactEmail),
		IsHome:       in.IsHome,
	}
	if i.Identifier != "" && !identifierRE.MatchString(i.Identifier) {
		c.f.Add("identifier", "catalog.err.identifier")
	}
	return i, c.err()
}

func (in AgreementInput) check() (Agreement, error) {
	c := newChecker()
	a := Agreement{
		InstitutionID: in.InstitutionID,
		Kind:          c.oneOf("kind", in.Kind, AgreementKinds),
		Title:         c.text("title", in.Title, true, 200),
		Fields:        joinList(strings.Split(c.text("fields", in.Fields, false, 500), ",")),
		ValidFrom:     c.date("valid_from", in.ValidFrom),
		ValidUntil:    c.date("valid_until", in.ValidUntil),
		QuotaOut:      c.number("quota_out", in.QuotaOut, 0, 10000),
		QuotaIn:       c.number("quota_in", in.QuotaIn, 0, 10000),
		RatioOut:      c.ratio("ratio_out", in.RatioOut),
		RatioIn:       c.ratio("ratio_in", in.RatioIn),
		DocumentURL:   c.url("document_url", in.DocumentURL),
	}
	if in.InstitutionID == 0 {
		c.f.Add("institution_id", "form.required")
	}
	if !a.ValidFrom.IsZero() && !a.ValidUntil.IsZero() && !a.ValidUntil.After(a.ValidFrom) {
		c.f.Add("valid_until", "catalog.err.end_before_start")
	}
	return a, c.err()
}

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,15}$`)

func (in DepartmentInput) check() (Department, error) {
	c := newChecker()
	d := Department{
		Code:   strings.ToUpper(c.text("code", in.Code, true, 16)),
		NameEN: c.name("name_en", in.NameEN, true, 200),
		NameZH: c.name("name_zh", in.NameZH, true, 200),
	}
	if d.Code != "" && !codeRE.MatchString(d.Code) {
		c.f.Add("code", "catalog.err.code")
	}
	return d, c.err()
}

func (in ElectiveInput) check() (Elective, error) {
	c := newChecker()
	e := Elective{
		Direction:     c.oneOf("direction", in.Direction, Directions),
		InstitutionID: in.InstitutionID,
		Kind:          c.oneOf("kind", in.Kind, ElectiveKinds),
		TitleEN:       c.name("title_en", in.TitleEN, true, 200),
		TitleZH:       c.name("title_zh", in.TitleZH, false, 200),
		Specialty:     c.oneOf("specialty", in.Specialty, Specialties),
		DescriptionEN: c.text("description_en", in.DescriptionEN, false, 5000),
		DescriptionZH: c.text("description_zh", in.DescriptionZH, false, 5000),
		Language:      c.oneOf("language", in.Language, Languages),
		LanguageLevel: c.text("language_level", in.LanguageLevel, false, 50),
		MinYear:       c.number("min_year", in.MinYear, 1, 7),
		DurationWeeks: c.number("duration_weeks", in.DurationWeeks, 1, 52),
		FeeAmount:     c.number("fee_amount", orZero(in.FeeAmount), 0, 10_000_000),
		FeeCurrency:   strings.ToUpper(strings.TrimSpace(in.FeeCurrency)),
		OpensOn:       c.date("opens_on", in.OpensOn),
		ClosesOn:      c.date("closes_on", in.ClosesOn),
	}
	if in.AgreementID != 0 {
		e.AgreementID = &in.AgreementID
	}
	if in.DepartmentID != 0 {
		e.DepartmentID = &in.DepartmentID
	}
	if in.InstitutionID == 0 && e.Direction == Outgoing {
		c.f.Add("institution_id", "form.required")
	}
	if e.Direction == Incoming && e.DepartmentID == nil {
		c.f.Add("department_id", "form.required")
	}
	if e.FeeAmount > 0 && !slices.Contains(Currencies, e.FeeCurrency) {
		c.f.Add("fee_currency", "form.not_a_choice")
	}
	for _, d := range in.RequiredDocs {
		if !slices.Contains(DocumentTypes, d) {
			c.f.Add("required_docs", "form.not_a_choice")
		}
	}
	e.RequiredDocs = joinList(in.RequiredDocs)
	if !e.OpensOn.IsZero() && !e.ClosesOn.IsZero() && e.ClosesOn.Before(e.OpensOn) {
		c.f.Add("closes_on", "catalog.err.end_before_start")
	}
	return e, c.err()
}

func orZero(s string) string {
	if strings.TrimSpace(s) == "" {
		return "0"
	}
	return s
}

func (in PeriodInput) check() (Period, error) {
	c := newChecker()
	p := Period{
		StartsOn: c.date("starts_on", in.StartsOn),
		EndsOn:   c.date("ends_on", in.EndsOn),
	}
	capText := strings.TrimSpace(in.Capacity)
	if n, err := strconv.Atoi(capText); err == nil && n < 0 {
		c.f.Add("capacity", "catalog.err.capacity_negative")
	} else {
		p.Capacity = c.number("capacity", capText, 0, 1000)
	}
	if !p.StartsOn.IsZero() && !p.EndsOn.IsZero() && p.EndsOn.Before(p.StartsOn) {
		c.f.Add("ends_on", "catalog.err.end_before_start")
	}
	return p, c.err()
}

func (in FundingInput) check() (Funding, error) {
	c := newChecker()
	f := Funding{
		NameEN:      c.name("name_en", in.NameEN, true, 200),
		NameZH:      c.name("name_zh", in.NameZH, false, 200),
		Sponsor:     c.text("sponsor", in.Sponsor, true, 200),
		SponsorKind: c.oneOf("sponsor_kind", in.SponsorKind, SponsorKinds),
		Amount:      c.number("amount", in.Amount, 0, 100_000_000),
		Currency:    c.oneOf("currency", strings.ToUpper(in.Currency), Currencies),
		Eligibility: c.text("eligibility", in.Eligibility, false, 2000),
		Deadline:    c.date("deadline", in.Deadline),
	}
	if in.InstitutionID != 0 {
		f.InstitutionID = &in.InstitutionID
	}
	return f, c.err()
}
