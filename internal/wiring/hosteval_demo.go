package wiring

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"portal/internal/audit"
	"portal/internal/evaluation"
)

// seedDemoEvaluations puts the demo's placements that are over at each
// step after the last day (issue 16), once, through the services: a
// report in draft with the host's evaluation asked for; a report
// submitted with the host not yet asked; the host's evaluation in and
// the recognition waiting; and for the placements already completed, the
// report and the host's evaluation both in. The supervisors' mails go to
// the dev mail like every demo mail.
func (a *App) seedDemoEvaluations(ctx context.Context) error {
	var n int64
	if err := a.DB.WithContext(ctx).Raw("SELECT (SELECT COUNT(*) FROM student_reports) + (SELECT COUNT(*) FROM host_evaluations)").Scan(&n).Error; err != nil || n > 0 {
		return err
	}
	var officeID int64
	if err := a.DB.WithContext(ctx).Raw("SELECT id FROM users WHERE subject = ?", "demo-office").Scan(&officeID).Error; err != nil || officeID == 0 {
		return err // a dev portal with its own people has no demo office
	}
	office, err := a.Users.Find(ctx, officeID)
	if err != nil {
		return fmt.Errorf("demo evaluations: %w", err)
	}
	var over []struct {
		ID, ApplicantID int64
		Status          string
	}
	if err := a.DB.WithContext(ctx).Table("applications").Select("id, applicant_id, status").
		Where("direction = 'outgoing' AND status IN ('confirmed', 'completed') AND placed_until < ?", a.Zone.Day(a.evaluations.Now())).
		Order("status DESC, id").Scan(&over).Error; err != nil {
		return fmt.Errorf("demo evaluations: %w", err)
	}
	s, m := a.evaluations, audit.Meta{IP: "127.0.0.1", UserAgent: "demo"}
	report := func(id, student int64, submit bool) error {
		u, err := a.Users.Find(ctx, student)
		if err != nil {
			return err
		}
		in := evaluation.ReportInput{Ratings: map[string]string{"organisation": "4", "supervision": "5", "integration": "4", "clinical_learning": "5", "language_support": "3"},
			Recommend: "yes", Body: "Four weeks on the endoscopy unit and the wards; the residents took me on their rounds every morning.",
			Costs: "About NT$45,000 for flights and housing.", Housing: "The university's guest house, ten minutes' walk from the hospital.",
			Tips: "Learn the Japanese for the common symptoms before you go.", ConsentQuote: true, Submit: submit}
		_, err = s.SaveReport(ctx, u, id, in)
		return err
	}
	ask := func(id int64) error {
		return s.RequestHostEvaluation(ctx, office, id, evaluation.SupervisorInput{Name: "Dr Tanaka Hiroshi", Email: "tanaka@kumamoto-u.test", Lang: "ja"}, m)
	}
	evaluate := func(id int64, grade string) error {
		if err := ask(id); err != nil {
			return err
		}
		var link string
		if err := a.DB.WithContext(ctx).Raw("SELECT link FROM outbox WHERE kind = ? ORDER BY id DESC LIMIT 1", "host_evaluation_request").Scan(&link).Error; err != nil {
			return err
		}
		return s.EvaluateAsHost(ctx, strings.TrimPrefix(link, evaluation.SupervisorPath("")), evaluation.HostEvaluationInput{
			SupervisorName: "Dr Tanaka Hiroshi", DaysPresent: "19", DaysExpected: "20", Grade: grade,
			Comments: "Well prepared, asked good questions on rounds and presented two patients at the case conference.",
			Ratings:  map[string]string{"medical_knowledge": "4", "clinical_skills": "4", "professionalism": "5", "communication": "4", "initiative": "5"}})
	}
	confirmed := 0
	for _, p := range over {
		var err error
		switch {
		case p.Status == "completed":
			if err = report(p.ID, p.ApplicantID, true); err == nil {
				err = evaluate(p.ID, "honours")
			}
		case confirmed == 0: // the report in draft, the host asked
			if err = report(p.ID, p.ApplicantID, false); err == nil {
				err = ask(p.ID)
			}
		case confirmed == 1: // the report in, the host not asked yet
			err = report(p.ID, p.ApplicantID, true)
		default: // the host's evaluation in: waiting for recognition
			if err = report(p.ID, p.ApplicantID, confirmed == 2); err == nil {
				err = evaluate(p.ID, "high_pass")
			}
		}
		if p.Status == "confirmed" {
			confirmed++
		}
		if err != nil {
			return fmt.Errorf("demo evaluation of application %d: %w", p.ID, err)
		}
	}
	slog.Info("demo evaluations loaded", "placements", len(over))
	return nil
}
