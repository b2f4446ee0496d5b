// Package incoming keeps what the portal knows of an incoming applicant (a
// foreign student who requests a rotation at the university hospital)
// beyond their sign-in: their profile. Rotation requests and letters read
// it; the applicant alone writes it.
package incoming

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/text"
	"portal/internal/user"
)

// Profile is an incoming applicant's profile. The home institution is a
// partner of the catalog (HomeInstitutionID, with its name and country
// copied at saving, so that letters need no join) or, for a school the
// university has no agreement with, a name and a country.
type Profile struct {
	UserID int64 `gorm:"primaryKey;autoIncrement:false"`
	// NameLatin is the full name as letters and pages print it: the given
	// names and the family name in the order the applicant writes them.
	NameLatin  string
	NameNative string // in the applicant's own script, e.g. 佐藤遥; may be empty
	// GivenNames and FamilyName are as the passport writes them, in Latin
	// letters; a person with one name has a family name only. Empty in a
	// profile written before they were asked (migration 15).
	GivenNames, FamilyName string
	BirthDate              *time.Time // a date (midnight UTC); nil before migration 15
	PassportNumber         string     // upper case letters and digits; may be empty
	PassportExpires        *time.Time // a date; optional
	Nationality            string     // ISO 3166-1 alpha-2
	HomeInstitutionID      *int64
	HomeInstitutionName    string
	HomeCountry            string // ISO 3166-1 alpha-2
	YearOfStudy            int
	UpdatedAt              time.Time
}

// TableName is the table of profiles.
func (Profile) TableName() string { return "incoming_profiles" }

// ProfileInput is the profile form as typed: strings, checked by Save.
type ProfileInput struct {
	NameLatin, NameNative, Nationality string
	GivenNames, FamilyName             string
	BirthDate                          string // YYYY-MM-DD, as a date input sends it
	PassportNumber, PassportExpires    string
	HomeInstitutionID                  string // a partner's id, or "" for one entered by name
	HomeInstitutionName, HomeCountry   string
	YearOfStudy                        string
}

// Input returns p as the form shows it.
func (p *Profile) Input() ProfileInput {
	in := ProfileInput{NameLatin: p.NameLatin, NameNative: p.NameNative, Nationality: p.Nationality,
		GivenNames: p.GivenNames, FamilyName: p.FamilyName, PassportNumber: p.PassportNumber,
		BirthDate: dateString(p.BirthDate), PassportExpires: dateString(p.PassportExpires),
		YearOfStudy: strconv.Itoa(p.YearOfStudy)}
	if p.HomeInstitutionID != nil {
		in.HomeInstitutionID = strconv.FormatInt(*p.HomeInstitutionID, 10)
	} else {
		in.HomeInstitutionName, in.HomeCountry = p.HomeInstitutionName, p.HomeCountry
	}
	return in
}

// Service reads and writes profiles.
type Service struct {
	db      *db.DB
	catalog *catalog.Service
	now     func() time.Time
}

// NewService returns a Service; now is time.Now when nil.
func NewService(d *db.DB, c *catalog.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, catalog: c, now: now}
}

// Get returns the profile of userID, or a NotFound error when they have
// not written one yet.
func (s *Service) Get(ctx context.Context, userID int64) (*Profile, error) {
	var p Profile
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Internalf("get incoming profile: %w", err)
	}
	return &p, nil
}

// Partners are the institutions a home institution may be chosen from:
// the live partners of the catalog, by English name.
func (s *Service) Partners(ctx context.Context) ([]catalog.Institution, error) {
	all, err := s.catalog.Institutions(ctx, false)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, i := range all {
		if !i.IsHome {
			out = append(out, i)
		}
	}
	return out, nil
}

// Limits of the profile's fields.
const (
	maxName = 200
	MinYear = 1
	MaxYear = 8
)

// Save writes u's profile after checking every field; a refused input
// changes nothing and names each wrong field. The user's display name
// follows the Latin name, so that reviewers see who the person is rather
// than their address.
func (s *Service) Save(ctx context.Context, u *user.User, in ProfileInput) (*Profile, error) {
	if !u.Has(user.Incoming) {
		return nil, apperr.New(apperr.Forbidden, "error.forbidden")
	}
	p, err := s.check(ctx, in)
	if err != nil {
		return nil, err
	}
	p.UserID, p.UpdatedAt = u.ID, s.now().UTC()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"name_latin", "name_native", "nationality", "home_institution_id",
				"home_institution_name", "home_country", "year_of_study", "updated_at",
				"given_names", "family_name", "birth_date", "passport_number", "passport_expires"}),
		}).Create(p).Error
		if err != nil {
			return err
		}
		name := strings.TrimSpace(p.NameLatin + " " + p.NameNative)
		return tx.Model(&user.User{}).Where("id = ?", u.ID).Updates(map[string]any{"name": name, "updated_at": p.UpdatedAt}).Error
	})
	if err != nil {
		return nil, apperr.Internalf("save incoming profile: %w", err)
	}
	return p, nil
}

// check turns the input into a profile, or an Invalid error with a
// translated message per wrong field.
func (s *Service) check(ctx context.Context, in ProfileInput) (*Profile, error) {
	bad := apperr.Fields{}
	p := &Profile{
		NameLatin: oneSpace(in.NameLatin), NameNative: oneSpace(in.NameNative),
		Nationality: strings.ToUpper(strings.TrimSpace(in.Nationality)),
	}
	s.checkNames(in, p, bad)
	if utf8.RuneCountInString(p.NameNative) > maxName {
		bad.Add("name_native", "incoming.profile.err.too_long", maxName)
	} else if text.HasHidden(p.NameNative) {
		bad.Add("name_native", "input.hidden_characters")
	}
	switch {
	case p.Nationality == "":
		bad.Add("nationality", "incoming.profile.err.nationality_required")
	case !IsCountry(p.Nationality):
		bad.Add("nationality", "incoming.profile.err.country_unknown")
	}
	year, err := strconv.Atoi(strings.TrimSpace(in.YearOfStudy))
	switch {
	case strings.TrimSpace(in.YearOfStudy) == "":
		bad.Add("year_of_study", "incoming.profile.err.year_required")
	case err != nil || year < MinYear || year > MaxYear:
		bad.Add("year_of_study", "incoming.profile.err.year_range", MinYear, MaxYear)
	default:
		p.YearOfStudy = year
	}
	s.checkHome(ctx, in, p, bad)
	s.checkPassport(in, p, bad)
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkHome fills the home institution: a live partner chosen by id, or a
// name with its country; one of the two is required.
func (s *Service) checkHome(ctx context.Context, in ProfileInput, p *Profile, bad apperr.Fields) {
	if raw := strings.TrimSpace(in.HomeInstitutionID); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			bad.Add("home_institution_id", "incoming.profile.err.partner_unknown")
			return
		}
		inst, err := s.catalog.Institution(ctx, id)
		if err != nil || inst.IsHome || inst.RetiredAt != nil {
			bad.Add("home_institution_id", "incoming.profile.err.partner_unknown")
			return
		}
		p.HomeInstitutionID, p.HomeInstitutionName, p.HomeCountry = &inst.ID, inst.NameEN, inst.Country
		return
	}
	p.HomeInstitutionName = oneSpace(in.HomeInstitutionName)
	p.HomeCountry = strings.ToUpper(strings.TrimSpace(in.HomeCountry))
	if p.HomeInstitutionName == "" && p.HomeCountry == "" {
		bad.Add("home_institution_id", "incoming.profile.err.home_required")
		return
	}
	switch {
	case p.HomeInstitutionName == "":
		bad.Add("home_institution_name", "incoming.profile.err.home_name_required")
	case utf8.RuneCountInString(p.HomeInstitutionName) > maxName:
		bad.Add("home_institution_name", "incoming.profile.err.too_long", maxName)
	case text.HasHidden(p.HomeInstitutionName):
		bad.Add("home_institution_name", "input.hidden_characters")
	}
	switch {
	case p.HomeCountry == "":
		bad.Add("home_country", "incoming.profile.err.home_country_required")
	case !IsCountry(p.HomeCountry):
		bad.Add("home_country", "incoming.profile.err.country_unknown")
	}
}

// latin reports whether a name is written in the Latin script, as
// passports' machine-readable lines and most foreign offices need it:
// Latin letters (accents included), spaces, and the marks names use.
func latin(s string) bool {
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Latin, r), unicode.Is(unicode.Mn, r), r == ' ', r == '-', r == '\'', r == '.', r == ',', r == '’':
		default:
			return false
		}
	}
	return true
}

// oneSpace trims s and collapses its runs of white space, control
// characters included, into single spaces.
func oneSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}
