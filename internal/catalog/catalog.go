// Package catalog keeps the partners and what they offer: institutions,
// agreements with their quotas, electives with dated periods of seats, the
// home hospital's departments, and funding opportunities. It validates every
// change with field-level messages and never deletes what an application
// may refer to: things are retired instead.
package catalog

import (
	"slices"
	"strings"
	"time"
)

// Vocabularies are codes stored in the database and translated for display
// under "<vocabulary>.<code>" keys of the i18n bundle.
var (
	InstitutionKinds = []string{"university", "hospital", "company", "association"}
	AgreementKinds   = []string{"mou", "student_exchange", "research", "industry_internship", "dual_degree"}
	ElectiveKinds    = []string{"clinical_elective", "research_exchange", "internship", "observership"}
	Directions       = []string{Outgoing, Incoming}
	SponsorKinds     = []string{"ministry", "university", "industry"}
	// Specialties are the departments or fields an elective belongs to.
	Specialties = []string{
		"internal_medicine", "surgery", "pediatrics", "womens_medicine", "cardiology",
		"thoracic_medicine", "neuroscience", "hepatology", "infectious_disease", "pharmacy",
		"family_medicine", "emergency_medicine", "psychiatry", "radiology", "oncology",
		"translational_research", "drug_discovery", "tissue_engineering", "public_health", "dermatology",
	}
	// Countries are ISO 3166-1 alpha-2 codes of the partners' countries.
	Countries = []string{"TW", "JP", "KR", "SG", "US", "GB", "FR", "DE", "AU", "CA", "NL", "TH", "MY", "PH", "VN", "ID", "CN", "HK"}
	// Languages are the languages of instruction, ISO 639-1.
	Languages = []string{"en", "zh", "ja", "ko", "fr", "de"}
	// DocumentTypes are the kinds of document an elective may require.
	DocumentTypes = []string{
		"transcript", "cv", "motivation_letter", "recommendation_letter", "immunization_record",
		"insurance", "language_certificate", "passport", "good_standing_letter", "nomination_letter", "background_check",
	}
	Currencies = []string{"TWD", "USD", "JPY", "EUR", "GBP", "SGD", "KRW"}
)

// The two directions of an elective.
const (
	Outgoing = "outgoing" // at a partner abroad, for our students
	Incoming = "incoming" // at a home-hospital department, for foreign students
)

// Institution is a partner, or the one home institution.
type Institution struct {
	ID           int64
	NameEN       string
	NameLocal    string // the name in its own script, e.g. 熊本大学
	Country      string
	City         string
	Kind         string
	Identifier   string // SCHAC / Erasmus code, e.g. kumamoto-u.ac.jp
	IsHome       bool
	Website      string
	ContactName  string
	ContactEmail string
	RetiredAt    *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Agreement is what the university signed with one institution.
type Agreement struct {
	ID            int64
	InstitutionID int64
	Kind          string
	Title         string
	Fields        string // comma separated, e.g. "liver disease, infectious disease"
	ValidFrom     time.Time
	ValidUntil    time.Time
	QuotaOut      int // outgoing students per academic year
	QuotaIn       int // incoming students per academic year
	RatioOut      int // RatioOut:RatioIn is the reciprocity agreed in student-weeks,
	RatioIn       int // 1:1 unless the agreement says otherwise (reciprocity report)
	DocumentURL   string
	RetiredAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FieldList splits Fields.
func (a Agreement) FieldList() []string { return splitList(a.Fields) }

// Department is a home-hospital department that hosts incoming rotations.
type Department struct {
	ID        int64
	Code      string
	NameEN    string
	NameZH    string
	RetiredAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Elective is an opportunity: at a partner (outgoing) or at a home-hospital
// department (incoming).
type Elective struct {
	ID            int64
	Direction     string
	InstitutionID int64
	AgreementID   *int64
	DepartmentID  *int64
	Kind          string
	TitleEN       string
	TitleZH       string
	Specialty     string
	DescriptionEN string
	DescriptionZH string
	Language      string
	LanguageLevel string // e.g. "B2", "JLPT N2"
	MinYear       int    // eligibility: year of study
	DurationWeeks int
	RequiredDocs  string // comma separated DocumentTypes
	FeeAmount     int
	FeeCurrency   string
	OpensOn       time.Time // application window
	ClosesOn      time.Time
	SearchText    string // lower-case words of both languages, for search
	RetiredAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RequiredDocList splits RequiredDocs.
func (e Elective) RequiredDocList() []string { return splitList(e.RequiredDocs) }

// Period is a dated block of an elective with a seat capacity.
type Period struct {
	ID         int64
	ElectiveID int64
	StartsOn   time.Time
	EndsOn     time.Time
	Capacity   int
	Taken      int // seats held by accepted placements
	RetiredAt  *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SeatsLeft is what a student can still apply for.
func (p Period) SeatsLeft() int { return max(p.Capacity-p.Taken, 0) }

// Funding is a scholarship or grant an application can request.
type Funding struct {
	ID            int64
	NameEN        string
	NameZH        string
	Sponsor       string
	SponsorKind   string
	InstitutionID *int64 // the industry partner or university behind it, if any
	Amount        int
	Currency      string
	Eligibility   string
	Deadline      time.Time
	RetiredAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName keeps the table name singular-less: "funding".
func (Funding) TableName() string { return "funding" }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinList(items []string) string {
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, ",")
}

// Date parses a form date (YYYY-MM-DD) as midnight UTC; all catalog dates
// are calendar days, never instants.
func Date(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	return t, err == nil
}

// Day truncates t to its calendar day in UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AcademicYear is the year an academic year starts in: Taiwanese academic
// years run from 1 August to 31 July.
func AcademicYear(t time.Time) int {
	if t.Month() >= time.August {
		return t.Year()
	}
	return t.Year() - 1
}
