package ewp

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/user"
)

// The office's form for a student's EWP facts, on the application page
// (issue 15). A nomination cannot be exported before the office has
// typed what the portal's account does not hold (the names in Latin
// script and the student's own, date of birth, nationality, gender);
// the form takes them as typed, checks each field and says which is
// wrong, and writes the change and its audit entry in one transaction.
// The facts belong to the student, not the application: the same facts
// serve every nomination of theirs.

// FactsInput is the form as typed.
type FactsInput struct {
	GivenNames, FamilyName           string
	GivenNamesLocal, FamilyNameLocal string
	LocalLang                        string
	BirthDate                        string // YYYY-MM-DD
	Nationality                      string
	Gender                           string // an ISO 5218 code
}

// MaxNameLength bounds every name field, in characters.
const MaxNameLength = 200

// LocalLangs are the scripts the form offers for the local names: the
// languages of the portal's partners that do not write in Latin script.
var LocalLangs = []string{"zh-Hant", "zh-Hans", "ja", "ko", "th", "ru", "ar", "el"}

var nationalityCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

// ActionStudentFacts is the audit action of a change of the facts.
const ActionStudentFacts = "ewp.student_facts"

// FactsOf returns the facts of the student of application id, nil when
// none are recorded yet, and the student's id. Only the office may read
// them (a date of birth); to anyone else the application does not exist.
func (s *Service) FactsOf(ctx context.Context, u *user.User, id int64) (*StudentFacts, int64, error) {
	if err := office(u); err != nil {
		return nil, 0, err
	}
	var out *StudentFacts
	var student int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if student, err = applicantOf(tx, id); err != nil {
			return err
		}
		var f StudentFacts
		switch err := tx.Where("user_id = ?", student).Take(&f).Error; {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return nil
		case err != nil:
			return err
		}
		out = &f
		return nil
	})
	if err != nil {
		return nil, 0, wrap(err, "read student facts")
	}
	return out, student, nil
}

// RecordFacts checks the typed facts of the student of application id
// and, when every field is right, saves them with an audit entry naming
// the fields that changed. A refusal changes nothing.
func (s *Service) RecordFacts(ctx context.Context, u *user.User, id int64, in FactsInput, m audit.Meta) error {
	if err := office(u); err != nil {
		return err
	}
	f, err := s.parseFacts(in)
	if err != nil {
		return err
	}
	now := s.o.Now().UTC()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		student, err := applicantOf(tx, id)
		if err != nil {
			return err
		}
		var old StudentFacts
		if err := tx.Where("user_id = ?", student).Take(&old).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		f.UserID, f.UpdatedAt = student, now
		changed := factsChanged(old, f)
		if len(changed) == 0 {
			return nil
		}
		if err := tx.Save(&f).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &u.ID, ActionStudentFacts, m,
			map[string]any{"application_id": id, "fields": changed}).On("user", student))
	})
	return wrap(err, "record student facts")
}

func applicantOf(tx *gorm.DB, id int64) (int64, error) {
	var ids []int64
	if err := tx.Table("applications").Where("id = ?", id).Limit(1).Pluck("applicant_id", &ids).Error; err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, errNotFound
	}
	return ids[0], nil
}

// parseFacts turns the form into facts, or a refusal with a message per
// wrong field.
func (s *Service) parseFacts(in FactsInput) (StudentFacts, error) {
	fs := apperr.Fields{}
	name := func(field, v string, required bool) string {
		v = strings.TrimSpace(v)
		switch {
		case v == "" && required:
			fs.Add(field, "form.required")
		case utf8.RuneCountInString(v) > MaxNameLength:
			fs.Add(field, "ewp_facts.err.long", MaxNameLength)
		}
		return v
	}
	f := StudentFacts{
		GivenNames: name("given_names", in.GivenNames, true), FamilyName: name("family_name", in.FamilyName, true),
		GivenNamesLocal: name("given_names_local", in.GivenNamesLocal, false), FamilyNameLocal: name("family_name_local", in.FamilyNameLocal, false),
		LocalLang: strings.TrimSpace(in.LocalLang), Nationality: strings.ToUpper(strings.TrimSpace(in.Nationality)),
	}
	switch {
	case f.LocalLang != "" && !slices.Contains(LocalLangs, f.LocalLang):
		fs.Add("local_lang", "ewp_facts.err.lang")
	case f.LocalLang == "" && (f.GivenNamesLocal != "" || f.FamilyNameLocal != ""):
		fs.Add("local_lang", "ewp_facts.err.lang_needed")
	}
	if !nationalityCode.MatchString(f.Nationality) {
		fs.Add("nationality", "api.ewp.nationality")
	}
	g, err := strconv.Atoi(strings.TrimSpace(in.Gender))
	if err != nil || (g != 0 && g != 1 && g != 2 && g != 9) {
		fs.Add("gender", "api.ewp.gender")
	}
	f.Gender = g
	today := s.o.Now().UTC()
	switch d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.BirthDate)); {
	case strings.TrimSpace(in.BirthDate) == "":
		fs.Add("birth_date", "form.required")
	case err != nil:
		fs.Add("birth_date", "ewp_facts.err.date")
	case d.After(today) || d.Year() < 1900:
		fs.Add("birth_date", "ewp_facts.err.birth_range")
	default:
		f.BirthDate = d
	}
	return f, fs.Err()
}

// factsChanged names the fields that differ between old and new.
func factsChanged(old, f StudentFacts) []string {
	var out []string
	for _, c := range []struct {
		name string
		same bool
	}{
		{"given_names", old.GivenNames == f.GivenNames}, {"family_name", old.FamilyName == f.FamilyName},
		{"given_names_local", old.GivenNamesLocal == f.GivenNamesLocal}, {"family_name_local", old.FamilyNameLocal == f.FamilyNameLocal},
		{"local_lang", old.LocalLang == f.LocalLang}, {"birth_date", old.BirthDate.Format(time.DateOnly) == f.BirthDate.Format(time.DateOnly)},
		{"nationality", old.Nationality == f.Nationality}, {"gender", old.Gender == f.Gender && old.UserID != 0},
	} {
		if !c.same {
			out = append(out, c.name)
		}
	}
	return out
}
