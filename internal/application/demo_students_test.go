package application_test

import (
	"testing"

	"portal/internal/db"
	"portal/internal/testutil"
)

// Every demo student who applies has a student number of their own and a
// year of study, as the university's sign-in would give them, so that the
// office's export shows real values in a dev portal. (The demo student
// signing in gets theirs from the development provider's claims.)
func TestDemoStudentsHaveNumbersAndYears(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		seedDemo(t, d)
		var rows []struct {
			Subject       string
			StudentNumber *string
			YearOfStudy   *int
		}
		err := d.Raw(`SELECT DISTINCT u.subject, u.student_number, u.year_of_study FROM users AS u
			JOIN applications AS a ON a.applicant_id = u.id WHERE u.subject <> 'demo-student' ORDER BY u.subject`).Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 8 {
			t.Fatalf("%d demo applicants besides the demo student, want 8", len(rows))
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if r.StudentNumber == nil || *r.StudentNumber == "" || seen[*r.StudentNumber] || r.YearOfStudy == nil || *r.YearOfStudy < 1 {
				t.Errorf("%s: number %v, year %v", r.Subject, r.StudentNumber, r.YearOfStudy)
				continue
			}
			seen[*r.StudentNumber] = true
		}
	})
}
