package web

import (
	"strings"

	"portal/internal/user"
)

// studentLine is what the office reads of an applicant beside their name:
// the student number and year of study the university's sign-in gave, or
// that it gave none (the export then has empty cells too).
func studentLine(p Page, who *user.User) string {
	var parts []string
	if who.StudentNumber != nil && *who.StudentNumber != "" {
		parts = append(parts, p.T("students.number", *who.StudentNumber))
	}
	if who.YearOfStudy != nil && *who.YearOfStudy > 0 {
		parts = append(parts, p.T("students.year", *who.YearOfStudy))
	}
	if len(parts) == 0 {
		return p.T("students.none")
	}
	return strings.Join(parts, " · ")
}
