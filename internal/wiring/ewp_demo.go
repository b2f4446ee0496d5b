package wiring

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"portal/internal/ewp"
	"portal/internal/user"
)

// seedDemoEWPFacts gives, once, every demo student with a nomination the
// facts EWP asks for beyond the account (issue 15), as the office types
// them on the application page: without them a nomination has no
// Outgoing Mobilities document to download. Names come from the account
// ("Lin Mei-Hua 林美華": family name first, then the given names, in Latin
// script and then in the student's own); a student with facts is left
// as they are.
func (a *App) seedDemoEWPFacts(ctx context.Context) error {
	var people []user.User
	err := a.DB.WithContext(ctx).Table("users").
		Where("id IN (?)", a.DB.Table("applications AS a").Select("a.applicant_id").
			Joins("JOIN application_choices AS c ON c.application_id = a.id").Where("c.nominated_at IS NOT NULL")).
		Where("id NOT IN (?)", a.DB.Table("ewp_students").Select("user_id")).
		Order("id").Find(&people).Error
	if err != nil {
		return fmt.Errorf("demo EWP facts: %w", err)
	}
	svc := ewp.NewService(a.DB, ewp.Options{})
	office := &user.User{Roles: []user.Role{user.Office}}
	for i, p := range people {
		f := demoFacts(p.Name)
		f.UserID = p.ID
		f.BirthDate = time.Date(2001, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		if err := svc.SetStudent(ctx, office, f); err != nil {
			return fmt.Errorf("demo EWP facts of user %d: %w", p.ID, err)
		}
	}
	return nil
}

// demoFacts splits a demo student's name into EWP's names: Latin words,
// family name first, then the name in Han script, whose family name is its
// first character (the home students are Taiwanese).
func demoFacts(name string) ewp.StudentFacts {
	var latin, local []string
	for _, w := range strings.Fields(name) {
		if strings.IndexFunc(w, func(r rune) bool { return r > unicode.MaxLatin1 }) >= 0 {
			local = append(local, w)
		} else {
			latin = append(latin, w)
		}
	}
	f := ewp.StudentFacts{Nationality: "TW", LocalLang: "zh-Hant", GivenNames: "-", FamilyName: "-"}
	if len(latin) > 0 {
		f.FamilyName = latin[0]
	}
	if len(latin) > 1 {
		f.GivenNames = strings.Join(latin[1:], " ")
	}
	if len(local) == 1 {
		if r := []rune(local[0]); len(r) > 1 {
			f.FamilyNameLocal, f.GivenNamesLocal = string(r[:1]), string(r[1:])
		}
	}
	return f
}
