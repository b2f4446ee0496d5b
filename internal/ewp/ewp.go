// Package ewp speaks Erasmus Without Paper (issue 15): it writes the
// portal's nominations as Outgoing Mobilities API v3.0.0 get-responses and
// its agreements as Interinstitutional Agreements API v7.0.0
// get-responses, the documents European partners' systems read. Short
// clinical traineeships, which Outgoing Mobilities v3 cannot express (its
// only activity type is student-studies), are given with the same fields as
// JSON instead. The schemas the output is checked against are vendored in
// schemas/ with their MIT licence. It knows nothing of HTTP.
package ewp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/db"
	"portal/internal/privacy"
	"portal/internal/user"
)

// Options are what the portal sets; tests set Now.
type Options struct {
	// Now is the service's clock; time.Now when nil.
	Now func() time.Time
}

// Service reads applications and agreements and writes them as EWP.
type Service struct {
	db *db.DB
	o  Options
}

// NewService returns the service over d.
func NewService(d *db.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: d, o: o}
}

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

// office admits the international office and admins: EWP documents are
// what the office sends partners, with the student's date of birth.
// Anyone else is told the object does not exist, as for any case they
// may not see.
func office(u *user.User) error {
	if u == nil || !u.Has(user.Office, user.Admin) {
		return errNotFound
	}
	return nil
}

func wrap(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errNotFound
	}
	return apperr.Or(err, "ewp: "+what)
}

// StudentFacts is what EWP needs of a student beyond the portal's account:
// the names in Latin script and in their own, birth date, nationality and
// ISO 5218 gender (0 not known, 1 male, 2 female, 9 not applicable).
type StudentFacts struct {
	UserID          int64 `gorm:"primaryKey;autoIncrement:false"`
	GivenNames      string
	FamilyName      string
	GivenNamesLocal string
	FamilyNameLocal string
	LocalLang       string // BCP 47, e.g. zh-Hant
	BirthDate       time.Time
	Nationality     string // ISO 3166-1 alpha-2
	Gender          int
	UpdatedAt       time.Time
}

// TableName is the table of student facts.
func (StudentFacts) TableName() string { return "ewp_students" }

// SetStudent records a student's facts; only the office may.
func (s *Service) SetStudent(ctx context.Context, u *user.User, f StudentFacts) error {
	if err := office(u); err != nil {
		return err
	}
	fs := apperr.Fields{}
	if strings.TrimSpace(f.GivenNames) == "" {
		fs.Add("given_names", "form.required")
	}
	if strings.TrimSpace(f.FamilyName) == "" {
		fs.Add("family_name", "form.required")
	}
	if len(f.Nationality) != 2 {
		fs.Add("nationality", "api.ewp.nationality")
	}
	if !slices.Contains([]int{0, 1, 2, 9}, f.Gender) {
		fs.Add("gender", "api.ewp.gender")
	}
	if f.BirthDate.IsZero() {
		fs.Add("birth_date", "form.required")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	f.Nationality = strings.ToUpper(f.Nationality)
	f.UpdatedAt = s.o.Now().UTC()
	return wrap(s.db.WithContext(ctx).Save(&f).Error, "save student")
}

// choiceRow is a nominated choice with what its mobility says.
type choiceRow struct {
	Rank           int
	HostDecision   string
	NominatedAt    *time.Time
	StartsOn       time.Time
	EndsOn         time.Time
	ElectiveKind   string
	AgreementKind  *string
	AgreementID    *int64
	HostSchac      string
	HostName       string
	DurationWeeks  int
	ElectiveTitle  string
	InstitutionLoc string
}

type appRow struct {
	ID            int64
	ApplicantID   int64
	Status        string
	CurrentChoice int
	Email         string
	StudentNumber *string
}

// creditBearing says whether a choice is an exchange for credit, which
// Outgoing Mobilities v3 expresses, rather than a clinical traineeship
// (an elective, internship or observership outside a student-exchange or
// dual-degree agreement), which it cannot.
func creditBearing(c choiceRow) bool {
	if c.ElectiveKind == "research_exchange" {
		return true
	}
	return c.AgreementKind != nil && (*c.AgreementKind == "student_exchange" || *c.AgreementKind == "dual_degree")
}

// Export is a nomination's mobilities, split by what EWP can carry.
type Export struct {
	Studies      []Mobility // Outgoing Mobilities v3
	Traineeships []Mobility // outside EWP v3: JSON only
}

// Mobilities returns the mobilities of application id: one per nominated
// choice, in rank order.
func (s *Service) Mobilities(ctx context.Context, u *user.User, id int64) (*Export, error) {
	if err := office(u); err != nil {
		return nil, err
	}
	var out Export
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a appRow
		err := tx.Table("applications AS a").Select("a.id, a.applicant_id, a.status, a.current_choice, u.email, u.student_number").
			Joins("JOIN users AS u ON u.id = a.applicant_id").Where("a.id = ?", id).Take(&a).Error
		if err != nil {
			return err
		}
		var cs []choiceRow
		err = tx.Table("application_choices AS c").
			Select("c.rank, c.host_decision, c.nominated_at, p.starts_on, p.ends_on, e.kind AS elective_kind, "+
				"ag.kind AS agreement_kind, e.agreement_id, i.identifier AS host_schac, i.name_en AS host_name, e.duration_weeks").
			Joins("JOIN electives AS e ON e.id = c.elective_id").
			Joins("JOIN periods AS p ON p.id = c.period_id").
			Joins("JOIN institutions AS i ON i.id = e.institution_id").
			Joins("LEFT JOIN agreements AS ag ON ag.id = e.agreement_id").
			Where("c.application_id = ? AND c.nominated_at IS NOT NULL", id).Order("c.rank").Scan(&cs).Error
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			return apperr.New(apperr.Invalid, "api.ewp.not_nominated")
		}
		home, err := homeSchac(tx)
		if err != nil {
			return err
		}
		var f StudentFacts
		if err := tx.Where("user_id = ?", a.ApplicantID).Take(&f).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.New(apperr.Invalid, "api.ewp.no_student_facts")
		} else if err != nil {
			return err
		}
		st := student(f, a, home)
		for _, c := range cs {
			if c.HostSchac == "" {
				return apperr.New(apperr.Invalid, "api.ewp.no_host_schac", c.HostName)
			}
			m := Mobility{
				OmobilityID: fmt.Sprintf("portal-%d-%d", a.ID, c.Rank),
				Student:     st,
				Nomination: Nomination{
					SendingHEI:         HEI{HeiID: home},
					ReceivingHEI:       HEI{HeiID: c.HostSchac},
					NonStandardPeriod:  &struct{}{},
					StartsOn:           c.StartsOn.Format(time.DateOnly),
					EndsOn:             c.EndsOn.Format(time.DateOnly),
					AcademicYearID:     AcademicYearID(c.StartsOn),
					ActivityType:       "student-studies",
					ActivityAttributes: "long-term",
					AgreementIsced:     IscedMedicine,
					EQFLevel:           EQFMedicine,
					NomineeIsced:       IscedMedicine,
				},
				Status:      Status(a.Status, a.CurrentChoice, c.Rank, c.HostDecision),
				Traineeship: !creditBearing(c),
			}
			if c.AgreementID != nil {
				m.Nomination.SendingHEI.IiaID = fmt.Sprintf("agreement-%d", *c.AgreementID)
			}
			if m.Traineeship {
				// Short placements are what the v3 vocabulary lacks;
				// the JSON says so rather than pretend a long-term study.
				m.Nomination.ActivityType, m.Nomination.ActivityAttributes = "clinical-traineeship", "short-term"
			}
			if err := seal(&m); err != nil {
				return err
			}
			if m.Traineeship {
				out.Traineeships = append(out.Traineeships, m)
			} else {
				out.Studies = append(out.Studies, m)
			}
		}
		// An EWP export is a transfer of the student's records to their
		// hosts: the student's disclosure log says so (issue 18).
		hosts := make([]string, len(cs))
		for i, c := range cs {
			hosts[i] = c.HostSchac
		}
		return privacy.Disclose(tx, privacy.Disclosure{PersonID: a.ApplicantID, ActorID: &u.ID, Actor: privacy.ActorLabel(u),
			Action: "ewp.exported", Object: fmt.Sprintf("EWP mobility of application %d for %s", a.ID, strings.Join(hosts, ", ")),
			Basis: "nomination", At: s.o.Now()})
	})
	if err != nil {
		return nil, wrap(err, "mobilities")
	}
	return &out, nil
}

// OmobilitiesXML is application id's credit-bearing nominations as an
// Outgoing Mobilities v3 get-response; a nomination that is only a
// traineeship is refused with a message pointing to its JSON.
func (s *Service) OmobilitiesXML(ctx context.Context, u *user.User, id int64) ([]byte, error) {
	ex, err := s.Mobilities(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if len(ex.Studies) == 0 {
		return nil, apperr.New(apperr.Invalid, "api.ewp.traineeship_only")
	}
	b, err := MarshalOmobilities(ex.Studies)
	return b, wrap(err, "marshal omobilities")
}

func homeSchac(tx *gorm.DB) (string, error) {
	var ids []string
	if err := tx.Table("institutions").Where("is_home AND identifier <> ''").Order("id").Limit(1).Pluck("identifier", &ids).Error; err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "", apperr.New(apperr.Invalid, "api.ewp.no_home_schac")
	}
	return ids[0], nil
}

// student builds the student element: Latin names first, then the names
// in the student's own script tagged with its language.
func student(f StudentFacts, a appRow, home string) Student {
	st := Student{
		GivenNames:  []Name{{Lang: "en", Value: f.GivenNames}},
		FamilyName:  []Name{{Lang: "en", Value: f.FamilyName}},
		BirthDate:   f.BirthDate.Format(time.DateOnly),
		Nationality: f.Nationality,
		Gender:      f.Gender,
		Email:       a.Email,
	}
	if f.GivenNamesLocal != "" && f.LocalLang != "" {
		st.GivenNames = append(st.GivenNames, Name{Lang: f.LocalLang, Value: f.GivenNamesLocal})
	}
	if f.FamilyNameLocal != "" && f.LocalLang != "" {
		st.FamilyName = append(st.FamilyName, Name{Lang: f.LocalLang, Value: f.FamilyNameLocal})
	}
	// The European Student Identifier of a student without one of their
	// own: the home institution's SCHAC code and the student number, as
	// the ESI scheme writes it; the portal's user id when there is none.
	local := fmt.Sprintf("portal-user-%d", a.ApplicantID)
	if a.StudentNumber != nil && *a.StudentNumber != "" {
		local = *a.StudentNumber
	}
	st.GlobalID = "urn:schac:personalUniqueCode:int:esi:" + home + ":" + local
	return st
}

// Status maps the application's stage to the EWP status of the mobility
// of one choice: the current choice follows the stage, an earlier one its
// host's answer. A nomination the student withdrew, declined or let lapse
// is cancelled.
func Status(stage string, current, rank int, hostDecision string) string {
	if hostDecision == "rejected" {
		return "rejected"
	}
	switch stage {
	case "withdrawn", "declined", "expired":
		return "cancelled"
	}
	if rank == current {
		switch stage {
		case "nominated", "waitlisted":
			return "pending"
		case "host_accepted", "confirmed", "completed":
			return "approved"
		case "host_rejected":
			return "rejected"
		}
		return "cancelled"
	}
	switch hostDecision {
	case "accepted":
		return "approved"
	case "waitlisted":
		return "pending"
	}
	return "cancelled"
}
