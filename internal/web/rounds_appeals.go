package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/selection"
)

// Appeals of a round's score (issue 14): the student's score and appeal on
// their application page, the office's list on the round's page and its
// answer page. The rules (window, one open appeal, re-running the dry
// run) are the selection service's (selection/appeals.go).

const (
	pageRoundsAppeal        pageName = "rounds_appeal"         // the office answers one appeal
	pageRoundsAppealStudent pageName = "rounds_appeal_student" // the student's appeal form again, with what was wrong
)

// roundAppealRoutes are the appeals' routes: the student's (the service
// checks the application is theirs) and the office's.
func (s *Server) roundAppealRoutes(r router) {
	r.post("/applications/:id/appeal", signedIn, s.appealFile)
	r.post("/rounds/:id/show_scores", office, s.roundShowScores)
	r.get("/rounds/:id/appeals/:aid", office, s.roundAppealShow)
	r.post("/rounds/:id/appeals/:aid", office, s.roundAppealAnswer)
}

func appealPath(id, aid int64) string {
	return roundPath(id) + "/appeals/" + strconv.FormatInt(aid, 10)
}

// ---- the student's side

// roundScoreView is a student's score on their application page: the
// components, the total, their appeals with the answers, and the appeal
// form while they may file one.
type roundScoreView struct {
	Title, Total, Window string
	Rows                 []appealScoreRow
	Appeals              []studentAppealRow
	Form                 *appealForm
	Refusal              string // why no appeal now, when the student cannot file one
}

type appealScoreRow struct{ Name, Value string }

type studentAppealRow struct {
	Filed, FiledISO, State, Reason, Reply, Answered string
}

// appealForm is the student's form, its labels written for the reader.
type appealForm struct {
	Action, CSRF, Reason, Error string
	Label, Hint, Submit         string
}

func newAppealForm(p Page, appID int64, reason string) *appealForm {
	return &appealForm{Action: "/applications/" + strconv.FormatInt(appID, 10) + "/appeal", CSRF: p.CSRF, Reason: reason,
		Label: p.T("selection_appeal.reason"), Hint: p.T("selection_appeal.reason_hint", selection.MaxAppealText),
		Submit: p.T("selection_appeal.submit")}
}

func (s *Server) roundScore(c echo.Context, p Page, appID int64) (*roundScoreView, error) {
	if s.Selection == nil {
		return nil, nil
	}
	sv, err := s.Selection.StudentScore(c.Request().Context(), visitorOf(c).User, appID)
	if err != nil || sv == nil {
		return nil, err
	}
	v := &roundScoreView{Title: p.T("selection_appeal.score.title", sv.Round.Name),
		Total: p.T("rounds.outcome.score", selection.FormatCenti(sv.ScoreCenti))}
	for _, comp := range sv.Components {
		val := "–"
		if x, ok := sv.Values[comp.ID]; ok {
			val = selection.FormatCenti(x)
		}
		v.Rows = append(v.Rows, appealScoreRow{Name: componentName(p, comp), Value: p.T("selection_appeal.score.value", val, comp.MinValue, comp.MaxValue)})
	}
	if sv.InWindow {
		v.Window = p.T("selection_appeal.window", sv.Round.AppealDays, p.When(sv.Until))
	}
	for _, a := range sv.Appeals {
		row := studentAppealRow{Filed: p.When(a.CreatedAt), FiledISO: a.CreatedAt.Format(time.RFC3339),
			State: p.T("selection_appeal.state." + a.State), Reason: a.Reason, Reply: a.Reply}
		if a.State == selection.AppealUpheld && a.ScoreAfter != nil {
			row.Answered = p.T("selection_appeal.upheld_score", selection.FormatCenti(a.ScoreBefore), selection.FormatCenti(*a.ScoreAfter))
		}
		v.Appeals = append(v.Appeals, row)
	}
	switch {
	case sv.MayAppeal:
		v.Form = newAppealForm(p, appID, "")
	case len(sv.Appeals) > 0 && sv.Appeals[0].State == selection.AppealOpen:
		v.Refusal = p.T("selection_appeal.waiting")
	case sv.Until.IsZero():
		v.Refusal = p.T("selection_appeal.none")
	default:
		v.Refusal = p.T("selection_appeal.closed", p.When(sv.Until))
	}
	return v, nil
}

// appealStudentView is the student's appeal form alone, when the one on
// the application page was refused: the reason they typed is kept.
type appealStudentView struct {
	Page
	Back    string
	Refusal string
	Form    *appealForm
}

func (s *Server) appealFile(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	_, err = s.Selection.FileAppeal(c.Request().Context(), visitorOf(c).User, id, reason)
	back := "/applications/" + strconv.FormatInt(id, 10)
	if invalid(err) {
		v := appealStudentView{Page: s.page(c, "selection_appeal.title"), Back: back}
		v.Form = newAppealForm(v.Page, id, reason)
		var ae *apperr.Error
		if errors.As(err, &ae) {
			v.Refusal = v.T(ae.Key, ae.Args...)
			if m, ok := ae.Fields["reason"]; ok {
				v.Form.Error = v.T(m.Key, m.Args...)
			}
		}
		return s.render.render(c, http.StatusUnprocessableEntity, pageRoundsAppealStudent, v)
	} else if err != nil {
		return err
	}
	return s.done(c, "selection_appeal_filed", back)
}

// ---- the office's side

// roundAppealsView is the appeals part of the round's page.
type roundAppealsView struct {
	Open, Answered []officeAppealRow
	ShowScores     string // the form's action, while the office may show scores before publication
	ScoresShown    string // since when applicants see their scores, before publication
	Stale          bool   // a score changed after the latest dry run (an upheld appeal while scoring)
}

type officeAppealRow struct {
	Name, Filed, FiledISO, Days, Score, State, Path string
}

// roundAppealsOf fills the round page's appeals for the office.
func (s *Server) roundAppealsOf(c echo.Context, p Page, f *selection.Full) (*roundAppealsView, error) {
	if !f.Office {
		return nil, nil
	}
	rows, err := s.Selection.Appeals(c.Request().Context(), visitorOf(c).User, f.ID)
	if err != nil {
		return nil, err
	}
	v := &roundAppealsView{}
	if selection.Editable(f.State) {
		if v.Stale, err = s.Selection.Stale(c.Request().Context(), visitorOf(c).User, f.ID); err != nil {
			return nil, err
		}
		if f.ScoresShownAt == nil {
			if f.AppealDays > 0 {
				v.ShowScores = roundPath(f.ID) + "/show_scores"
			}
		} else {
			v.ScoresShown = p.T("selection_appeal.shown_since", p.When(*f.ScoresShownAt))
		}
	}
	for _, r := range rows {
		row := officeAppealRow{Name: r.Name, Filed: p.When(r.CreatedAt), FiledISO: r.CreatedAt.Format(time.RFC3339),
			Days: p.T("application.days", r.DaysOpen), Score: selection.FormatCenti(r.ScoreBefore),
			State: p.T("selection_appeal.state." + r.State), Path: appealPath(f.ID, r.ID)}
		if r.ScoreAfter != nil {
			row.Score = p.T("selection_appeal.score_change", selection.FormatCenti(r.ScoreBefore), selection.FormatCenti(*r.ScoreAfter))
		}
		if r.State == selection.AppealOpen {
			v.Open = append(v.Open, row)
		} else {
			v.Answered = append(v.Answered, row)
		}
	}
	return v, nil
}

func (s *Server) roundShowScores(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	err = s.Selection.ShowScores(c.Request().Context(), visitorOf(c).User, id, version)
	if code := apperr.CodeOf(err); err != nil && (code == apperr.Invalid || code == apperr.Conflict) {
		return s.roundPage(c, statusOf[code], id, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "selection_appeal_scores_shown", roundPath(id))
}

// roundAppealView is the office's answer page of one appeal.
type roundAppealView struct {
	Page
	RoundID                      int64
	RoundName, RoundPath, Action string
	AppPath                      string // the student's application
	Student, Filed, FiledISO     string
	Reason, Score, State, Reply  string
	Answered, Open, Published    bool
	Version                      int
	Decision                     string
	Components                   []appealComponentRow
	Errors                       map[string]string
	Refusal                      string
	Outcome                      string // an answered appeal: what was decided
}

type appealComponentRow struct {
	Field, Label, Value, Range, Error, ErrorID string
}

func (s *Server) roundAppealShow(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	aid, err := idParam(c, "aid")
	if err != nil {
		return err
	}
	return s.roundAppealPage(c, http.StatusOK, id, aid, nil, nil)
}

func (s *Server) roundAppealAnswer(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	aid, err := idParam(c, "aid")
	if err != nil {
		return err
	}
	u, ctx := visitorOf(c).User, c.Request().Context()
	a, err := s.Selection.GetAppeal(ctx, u, id, aid)
	if err != nil {
		return err
	}
	in := selection.AnswerInput{Decision: c.FormValue("decision"), Reply: c.FormValue("reply"), Values: map[int64]string{}}
	in.Version, _ = strconv.Atoi(c.FormValue("version"))
	for _, comp := range a.Round.Components {
		in.Values[comp.ID] = c.FormValue(scoreField(comp.ID))
	}
	rep, err := s.Selection.AnswerAppeal(ctx, u, id, aid, in)
	if code := apperr.CodeOf(err); err != nil && (code == apperr.Invalid || code == apperr.Conflict) {
		return s.roundAppealPage(c, statusOf[code], id, aid, &in, err)
	} else if err != nil {
		return err
	}
	switch {
	case rep.RerunSeq > 0:
		return s.done(c, "selection_appeal_rerun", dryRunPath(id, rep.RerunSeq))
	case rep.Stale:
		return s.done(c, "selection_appeal_stale", roundPath(id))
	}
	return s.done(c, "selection_appeal_answered", roundPath(id))
}

// roundAppealPage is the answer page of appeal aid; typed is what the
// office typed when err refused it.
func (s *Server) roundAppealPage(c echo.Context, status int, id, aid int64, typed *selection.AnswerInput, refused error) error {
	a, err := s.Selection.GetAppeal(c.Request().Context(), visitorOf(c).User, id, aid)
	if err != nil {
		return err
	}
	v := roundAppealView{Page: s.page(c, "selection_appeal.office.title"), RoundID: id, RoundName: a.Round.Name,
		RoundPath: roundPath(id), Action: appealPath(id, aid), AppPath: "/applications/" + strconv.FormatInt(a.ApplicationID, 10), Student: a.Name, Filed: "", FiledISO: a.CreatedAt.Format(time.RFC3339),
		Reason: a.Reason, Reply: a.Reply, Open: a.State == selection.AppealOpen, Answered: a.State != selection.AppealOpen,
		Published: a.Round.State == selection.Published, Version: a.Version, Errors: map[string]string{}}
	v.Title = v.T("selection_appeal.office.heading", a.Name)
	v.Filed = v.When(a.CreatedAt)
	v.State = v.T("selection_appeal.state." + a.State)
	v.Score = v.T("rounds.outcome.score", selection.FormatCenti(a.ScoreCenti))
	if a.State == selection.AppealUpheld && a.ScoreAfter != nil {
		v.Outcome = v.T("selection_appeal.upheld_score", selection.FormatCenti(a.ScoreBefore), selection.FormatCenti(*a.ScoreAfter))
	}
	var ae *apperr.Error
	if errors.As(refused, &ae) {
		v.Refusal = v.T(ae.Key, ae.Args...)
		for f, m := range ae.Fields {
			v.Errors[f] = v.T(m.Key, m.Args...)
		}
	}
	if typed != nil {
		v.Decision, v.Reply = typed.Decision, typed.Reply
	}
	for _, comp := range a.Round.Components {
		row := appealComponentRow{Field: scoreField(comp.ID), Label: componentName(v.Page, comp),
			Range: v.T("selection_appeal.range", comp.MinValue, comp.MaxValue)}
		if x, ok := a.Values[comp.ID]; ok {
			row.Value = selection.FormatCenti(x)
		}
		if typed != nil {
			row.Value = strings.TrimSpace(typed.Values[comp.ID])
		}
		if e := v.Errors[row.Field]; e != "" {
			row.Error, row.ErrorID = e, row.Field+"-error"
		}
		v.Components = append(v.Components, row)
	}
	return s.render.render(c, status, pageRoundsAppeal, v)
}
