package config

import (
	"strings"
	"testing"
)

// A home student's number and year of study come from the claims
// student_number and year_of_study unless the operator names others; a
// claim name with a space in it stops the portal at start, named.
func TestStudentClaims(t *testing.T) {
	c, text := problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0"}))
	if text != "" || c.OIDCClaimStudentNumber != "student_number" || c.OIDCClaimYearOfStudy != "year_of_study" {
		t.Errorf("unset: %q %q, %s", c.OIDCClaimStudentNumber, c.OIDCClaimYearOfStudy, text)
	}
	c, text = problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0",
		"PORTAL_OIDC_CLAIM_STUDENT_NUMBER": "ext.studentId", "PORTAL_OIDC_CLAIM_YEAR_OF_STUDY": "grade"}))
	if text != "" || c.OIDCClaimStudentNumber != "ext.studentId" || c.OIDCClaimYearOfStudy != "grade" {
		t.Errorf("set: %q %q, %s", c.OIDCClaimStudentNumber, c.OIDCClaimYearOfStudy, text)
	}
	_, text = problems(ModeServe, serveEnv(map[string]string{"PORTAL_WORKERS": "0",
		"PORTAL_OIDC_CLAIM_STUDENT_NUMBER": "student number", "PORTAL_OIDC_CLAIM_YEAR_OF_STUDY": "year..of"}))
	if !strings.Contains(text, `PORTAL_OIDC_CLAIM_STUDENT_NUMBER is "student number"`) || !strings.Contains(text, `PORTAL_OIDC_CLAIM_YEAR_OF_STUDY is "year..of"`) {
		t.Errorf("bad claim names: %q", text)
	}
}
