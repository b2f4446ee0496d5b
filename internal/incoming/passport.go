package incoming

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"portal/internal/apperr"
	"portal/internal/letter"
	"portal/internal/text"
)

// The passport identity (issues 13 and 19): the names as the passport
// writes them, the date of birth and the passport's number. Visa support
// letters print them; the printed full name (NameLatin) is made of them.

// Limits of the passport fields. A student is rarely younger than 16 or
// older than 90: a date outside is much likelier a typing slip (this
// year, a wrong century) than a fact.
const (
	minAge, maxAge               = 16, 90
	minPassportLen, maxPassportN = 5, 20
)

// checkNames checks the given names and family name and makes the printed
// full name: as typed when it has the same words (any order, so that
// "Sato Haruka" and "Haruka Sato" both do), otherwise the given names then
// the family name.
func (s *Service) checkNames(in ProfileInput, p *Profile, bad apperr.Fields) {
	p.GivenNames, p.FamilyName = oneSpace(in.GivenNames), oneSpace(in.FamilyName)
	latinField := func(field, v string) bool {
		switch {
		case utf8.RuneCountInString(v) > maxName:
			bad.Add(field, "incoming.profile.err.too_long", maxName)
		case text.HasHidden(v):
			bad.Add(field, "input.hidden_characters")
		case !latin(v):
			bad.Add(field, "profile.err.passport_script")
		default:
			return true
		}
		return false
	}
	okFamily := p.FamilyName != "" && latinField("family_name", p.FamilyName)
	if p.FamilyName == "" {
		bad.Add("family_name", "profile.err.family_required")
	}
	okGiven := p.GivenNames == "" || latinField("given_names", p.GivenNames)
	derived := strings.TrimSpace(p.GivenNames + " " + p.FamilyName)

	p.NameLatin = oneSpace(in.NameLatin)
	switch {
	case p.NameLatin == "":
		p.NameLatin = derived
	case utf8.RuneCountInString(p.NameLatin) > maxName:
		bad.Add("name_latin", "incoming.profile.err.too_long", maxName)
	case text.HasHidden(p.NameLatin):
		bad.Add("name_latin", "input.hidden_characters")
	case !latin(p.NameLatin):
		bad.Add("name_latin", "incoming.profile.err.name_latin_script")
	case okFamily && okGiven && !sameWords(p.NameLatin, derived):
		bad.Add("name_latin", "profile.err.name_mismatch")
	}
}

// sameWords reports whether a and b hold the same words, in any order and
// case, commas aside ("SATO, Haruka" is "Haruka Sato").
func sameWords(a, b string) bool {
	words := func(s string) []string {
		w := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
		slices.Sort(w)
		return w
	}
	return slices.Equal(words(a), words(b))
}

// checkPassport checks the date of birth (required), the passport number
// and its expiry (both optional: only a visa letter needs the number).
// "Today" is the service clock's UTC day: a day's difference at the edges
// of the age range does not matter.
func (s *Service) checkPassport(in ProfileInput, p *Profile, bad apperr.Fields) {
	today := day(s.now())
	switch raw := strings.TrimSpace(in.BirthDate); {
	case raw == "":
		bad.Add("birth_date", "profile.err.birth_required")
	default:
		d, err := time.Parse(time.DateOnly, raw)
		switch {
		case err != nil:
			bad.Add("birth_date", "profile.err.date")
		case !d.Before(today):
			bad.Add("birth_date", "profile.err.birth_future")
		case age(d, today) < minAge || age(d, today) > maxAge:
			bad.Add("birth_date", "profile.err.birth_implausible", age(d, today), minAge, maxAge)
		default:
			p.BirthDate = &d
		}
	}
	number := strings.ToUpper(strings.Join(strings.Fields(in.PassportNumber), ""))
	switch {
	case number == "":
	case !passportChars(number) || len(number) < minPassportLen || len(number) > maxPassportN:
		bad.Add("passport_number", "profile.err.passport_number", minPassportLen, maxPassportN)
	default:
		p.PassportNumber = number
	}
	if raw := strings.TrimSpace(in.PassportExpires); raw != "" {
		d, err := time.Parse(time.DateOnly, raw)
		switch {
		case err != nil:
			bad.Add("passport_expires", "profile.err.date")
		case d.Before(today):
			bad.Add("passport_expires", "profile.err.passport_expired")
		default:
			p.PassportExpires = &d
		}
	}
}

// passportChars reports whether s holds only the characters passport
// numbers are printed with: the letters A to Z and the digits.
func passportChars(s string) bool {
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// age is how many whole years old someone born on birth is on day.
func age(birth, on time.Time) int {
	n := on.Year() - birth.Year()
	if on.Month() < birth.Month() || (on.Month() == birth.Month() && on.Day() < birth.Day()) {
		n--
	}
	return n
}

// day is t's UTC calendar date at midnight, as DATE columns hold it.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// Complete reports whether the profile holds everything the form asks
// for now: a profile saved before migration 15 lacks the passport names
// and the date of birth, and its owner is asked to complete it.
func (p *Profile) Complete() bool {
	return p != nil && p.FamilyName != "" && p.BirthDate != nil
}

// VisaMissing lists the profile fields a visa support letter needs and p
// lacks, by form field name; all of them when there is no profile.
func (p *Profile) VisaMissing() []string {
	if p == nil {
		return []string{"family_name", "birth_date", "passport_number"}
	}
	var out []string
	if p.FamilyName == "" {
		out = append(out, "family_name")
	}
	if p.BirthDate == nil {
		out = append(out, "birth_date")
	}
	if p.PassportNumber == "" {
		out = append(out, "passport_number")
	}
	return out
}

// Find returns userID's profile, or nil when they have none yet.
func (s *Service) Find(ctx context.Context, userID int64) (*Profile, error) {
	p, err := s.Get(ctx, userID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil
	}
	return p, err
}

// LetterSubject completes the facts of a letter of kind k with its
// holder's profile: the names, the home institution and, for a visa
// support letter, the passport identity. The caller has checked that the
// reader may have the letter (rotation.Service.LetterSubject). A visa
// letter whose holder's profile lacks a passport fact is Invalid, naming
// each missing profile field, so that the page can say what to add.
func (s *Service) LetterSubject(ctx context.Context, k letter.Kind, subj letter.Subject) (letter.Subject, error) {
	p, err := s.Find(ctx, subj.HolderID)
	if err != nil {
		return subj, err
	}
	if k == letter.KindVisa {
		if missing := p.VisaMissing(); len(missing) > 0 {
			bad := apperr.Fields{}
			for _, f := range missing {
				bad.Add(f, "profile.visa.missing."+f)
			}
			return subj, bad.Err()
		}
	}
	if p == nil {
		return subj, nil
	}
	subj.NameLatin, subj.NameNative, subj.HomeInstitution = p.NameLatin, p.NameNative, p.HomeInstitutionName
	if k == letter.KindVisa {
		subj.GivenNames, subj.FamilyName, subj.Nationality = p.GivenNames, p.FamilyName, p.Nationality
		subj.PassportNumber, subj.BirthDate = p.PassportNumber, *p.BirthDate
	}
	return subj, nil
}
