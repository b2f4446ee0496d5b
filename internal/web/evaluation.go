package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/evaluation"
	"portal/internal/i18n"
)

// After an outgoing placement (issue 16): the student's report on the
// host, the office's recognition and its list of what is outstanding, and
// what past students say on an elective's page. The rules are
// internal/evaluation's; this file only words them.

// evaluationRoutes are the evaluation's pages, one line in pageRoutes.
func (s *Server) evaluationRoutes(r router) {
	if s.Evaluations == nil {
		return
	}
	r.get("/applications/:id/report", students, s.evaluationReport)
	r.post("/applications/:id/report", students, s.evaluationReportSave)
	r.area("/evaluations", office)
	r.get("/evaluations", office, s.evaluationList)
	r.get("/evaluations/recognise/:id", office, s.evaluationRecognise)
	r.post("/evaluations/recognise/:id", office, s.evaluationRecogniseSave)
}

// evaluationField is one question of a form, with what was typed and the
// refusal.
type evaluationField struct {
	Name, Label, Value, Error string
}

type ratingField struct {
	evaluationField
	Options []option
}

// evaluationReportView is the student's report form.
type evaluationReportView struct {
	Page
	Action, Host, Elective string
	Submitted              bool
	Error                  string
	Ratings                []ratingField
	Recommend              ratingField
	Texts                  []evaluationField
	Consent                bool
	Certificate            ratingField
}

func (s *Server) evaluationReport(c echo.Context) error {
	return s.evaluationReportPage(c, http.StatusOK, nil, nil)
}

// evaluationReportPage shows the form: the stored report, or what was
// typed with the refusal (in, err).
func (s *Server) evaluationReportPage(c echo.Context, status int, in *evaluation.ReportInput, refused error) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := visitorOf(c).User
	r, pl, err := s.Evaluations.ReportOf(ctx, u, id)
	if err != nil {
		return err
	}
	v := evaluationReportView{Page: s.page(c, "evaluation.report.title"), Action: evaluation.ReportLink(id),
		Host: pl.Host, Elective: pl.ElectiveEn, Submitted: r.SubmittedAt != nil}
	if v.Lang != i18n.English && pl.ElectiveZh != "" {
		v.Elective = pl.ElectiveZh
	}
	if in == nil {
		in = reportInputOf(r)
	}
	fields := apperr.FieldsOf(refused)
	if refused != nil && fields == nil {
		if ae, ok := refused.(*apperr.Error); ok {
			v.Error = v.T(ae.Key, ae.Args...)
		}
	} else if fields != nil {
		v.Error = v.T("evaluation.report.refused")
	}
	msg := func(name string) string {
		if m, ok := fields[name]; ok {
			return v.T(m.Key, m.Args...)
		}
		return ""
	}
	for _, name := range evaluation.Ratings {
		f := ratingField{evaluationField: evaluationField{Name: name, Label: v.T("evaluation.rating." + name), Value: in.Ratings[name], Error: msg(name)}}
		for n := 1; n <= 5; n++ {
			val := strconv.Itoa(n)
			f.Options = append(f.Options, option{Value: val, Label: v.T("evaluation.rating.level", n), Selected: val == in.Ratings[name]})
		}
		v.Ratings = append(v.Ratings, f)
	}
	v.Recommend = ratingField{evaluationField: evaluationField{Name: "recommend", Label: v.T("evaluation.report.recommend"), Error: msg("recommend")},
		Options: []option{{Value: "yes", Label: v.T("evaluation.yes"), Selected: in.Recommend == "yes"},
			{Value: "no", Label: v.T("evaluation.no"), Selected: in.Recommend == "no"}}}
	for _, t := range []struct{ name, value string }{{"body", in.Body}, {"costs", in.Costs}, {"housing", in.Housing}, {"visa", in.Visa}, {"tips", in.Tips}} {
		v.Texts = append(v.Texts, evaluationField{Name: t.name, Label: v.T("evaluation.report." + t.name), Value: t.value, Error: msg(t.name)})
	}
	v.Consent = in.ConsentQuote
	v.Certificate = ratingField{evaluationField: evaluationField{Name: "certificate", Label: v.T("evaluation.report.certificate"), Error: msg("certificate")}}
	docs, err := s.Documents.Current(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		v.Certificate.Options = append(v.Certificate.Options, option{Value: strconv.FormatInt(d.ID, 10),
			Label: v.T("doc."+d.Type) + " · " + d.FileName, Selected: d.ID == in.CertificateID})
	}
	return s.render.render(c, status, pageEvaluationReport, v)
}

func reportInputOf(r *evaluation.Report) *evaluation.ReportInput {
	in := &evaluation.ReportInput{Ratings: map[string]string{}, Body: r.Body, Costs: r.Costs, Housing: r.Housing,
		Visa: r.Visa, Tips: r.Tips, ConsentQuote: r.ConsentQuote}
	for _, name := range evaluation.Ratings {
		if p := r.Rating(name); p != nil {
			in.Ratings[name] = strconv.Itoa(*p)
		}
	}
	if r.Recommend != nil {
		in.Recommend = map[bool]string{true: "yes", false: "no"}[*r.Recommend]
	}
	if r.CertificateID != nil {
		in.CertificateID = *r.CertificateID
	}
	return in
}

func (s *Server) evaluationReportSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := evaluation.ReportInput{Ratings: map[string]string{}, Recommend: c.FormValue("recommend"),
		Body: c.FormValue("body"), Costs: c.FormValue("costs"), Housing: c.FormValue("housing"), Visa: c.FormValue("visa"),
		Tips: c.FormValue("tips"), ConsentQuote: c.FormValue("consent") == "1", Submit: c.FormValue("submit") == "1"}
	for _, name := range evaluation.Ratings {
		in.Ratings[name] = c.FormValue(name)
	}
	if v := c.FormValue("certificate"); v != "" {
		if in.CertificateID, err = strconv.ParseInt(v, 10, 64); err != nil {
			in.CertificateID = -1 // refused as not the student's
		}
	}
	_, err = s.Evaluations.SaveReport(c.Request().Context(), visitorOf(c).User, id, in)
	flash := "evaluation_report_saved"
	if in.Submit {
		flash = "evaluation_report_submitted"
	}
	return s.finish(c, err, outcome{flash: flash, to: evaluation.ReportLink(id), shown: []apperr.Code{apperr.Invalid},
		again: func(status int, err error) error { return s.evaluationReportPage(c, status, &in, err) }})
}

// evaluationListView is the office's list of what waits after placements.
type evaluationListView struct {
	Page
	Reports, Recognitions []evaluationRow
	Hosts                 *hostEvalList // the host supervisors' evaluations and the exports (evaluation_export.go)
}

type evaluationRow struct {
	Student, Elective, Host, Ended, Waiting, Link, Report string
}

func (s *Server) evaluationList(c echo.Context) error {
	o, err := s.Evaluations.Outstanding(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	v := evaluationListView{Page: s.page(c, "evaluation.list.title")}
	row := func(w evaluation.Waiting) evaluationRow {
		r := evaluationRow{Student: w.StudentName, Elective: w.ElectiveEn, Host: w.Host, Ended: v.Day(w.PlacedUntil),
			Waiting: v.N("evaluation.list.days", w.Days), Link: "/evaluations/recognise/" + strconv.FormatInt(w.ApplicationID, 10),
			Report: v.T("evaluation.list.report_missing")}
		if v.Lang != i18n.English && w.ElectiveZh != "" {
			r.Elective = w.ElectiveZh
		}
		if w.ReportSubmitted {
			r.Report = v.T("evaluation.list.report_in")
		}
		return r
	}
	for _, w := range o.Reports {
		v.Reports = append(v.Reports, row(w))
	}
	for _, w := range o.Recognitions {
		v.Recognitions = append(v.Recognitions, row(w))
	}
	if v.Hosts, err = s.hostEvalListOf(c, v.Page); err != nil {
		return err
	}
	return s.render.render(c, http.StatusOK, pageEvaluationList, v)
}

// evaluationRecogniseView is the office's recognition form for one placement.
type evaluationRecogniseView struct {
	Page
	Action, Student, Elective, Ended, Error string
	Version                                 int
	Fields                                  []evaluationField
}

func (s *Server) evaluationRecognise(c echo.Context) error {
	return s.evaluationRecognisePage(c, http.StatusOK, nil, nil)
}

func (s *Server) evaluationRecognisePage(c echo.Context, status int, in *evaluation.RecognitionInput, refused error) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := s.Evaluations.Outstanding(c.Request().Context(), visitorOf(c).User)
	if err != nil {
		return err
	}
	var w *evaluation.Waiting
	for i := range o.Recognitions {
		if o.Recognitions[i].ApplicationID == id {
			w = &o.Recognitions[i]
		}
	}
	if w == nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	v := evaluationRecogniseView{Page: s.page(c, "evaluation.recognise.title"), Action: "/evaluations/recognise/" + strconv.FormatInt(id, 10),
		Student: w.StudentName, Elective: w.ElectiveEn + " · " + w.Host, Version: w.Version}
	v.Ended = v.Day(w.PlacedUntil)
	if in == nil {
		in = &evaluation.RecognitionInput{RecognisedOn: s.Catalog.Today().Format(time.DateOnly)}
	} else {
		v.Version = in.Version
	}
	fields := apperr.FieldsOf(refused)
	if refused != nil {
		v.Error = v.T("evaluation.report.refused")
		if ae, ok := refused.(*apperr.Error); ok && fields == nil {
			v.Error = v.T(ae.Key, ae.Args...)
		}
	}
	for _, f := range []struct{ name, value string }{{"home_course", in.HomeCourse}, {"credits", in.Credits}, {"grade", in.Grade}, {"recognised_on", in.RecognisedOn}} {
		ef := evaluationField{Name: f.name, Label: v.T("evaluation.recognise." + f.name), Value: f.value}
		if m, ok := fields[f.name]; ok {
			ef.Error = v.T(m.Key, m.Args...)
		}
		v.Fields = append(v.Fields, ef)
	}
	return s.render.render(c, status, pageEvaluationRecognise, v)
}

func (s *Server) evaluationRecogniseSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := evaluation.RecognitionInput{Version: version, HomeCourse: c.FormValue("home_course"), Credits: c.FormValue("credits"),
		Grade: c.FormValue("grade"), RecognisedOn: c.FormValue("recognised_on")}
	_, err = s.Evaluations.Recognise(c.Request().Context(), visitorOf(c).User, id, in)
	return s.finish(c, err, outcome{flash: "evaluation_recognised", to: "/evaluations", shown: []apperr.Code{apperr.Invalid, apperr.Conflict},
		again: func(status int, err error) error { return s.evaluationRecognisePage(c, status, &in, err) }})
}

// evaluationFeedbackView is what past students say on an elective's page:
// nothing below evaluation.MinResponses, quotes only with consent, no names.
type evaluationFeedbackView struct {
	Heading, Summary, Recommend, QuotesHeading string
	Ratings                                    []evaluationField
	Quotes                                     [][]evaluationField
}

// electiveFeedback is an elective page's feedback section; nil when there
// is not enough to show.
func (s *Server) electiveFeedback(c echo.Context, p Page, electiveID int64) (*evaluationFeedbackView, error) {
	if s.Evaluations == nil {
		return nil, nil
	}
	fb, err := s.Evaluations.FeedbackOf(c.Request().Context(), electiveID)
	if err != nil || fb == nil {
		return nil, err
	}
	v := &evaluationFeedbackView{Heading: p.T("evaluation.feedback.heading"), Summary: p.N("evaluation.feedback.responses", fb.Responses),
		Recommend: p.T("evaluation.feedback.recommend", fb.Recommend, fb.Responses), QuotesHeading: p.T("evaluation.feedback.quotes")}
	for _, name := range evaluation.Ratings {
		if avg, ok := fb.Averages[name]; ok {
			v.Ratings = append(v.Ratings, evaluationField{Label: p.T("evaluation.rating." + name), Value: fmt.Sprintf("%.1f / 5", avg)})
		}
	}
	for _, q := range fb.Quotes {
		var parts []evaluationField
		for _, t := range []struct{ name, text string }{{"body", q.Body}, {"costs", q.Costs}, {"housing", q.Housing}, {"visa", q.Visa}, {"tips", q.Tips}} {
			if t.text != "" {
				parts = append(parts, evaluationField{Label: p.T("evaluation.report." + t.name), Value: t.text})
			}
		}
		v.Quotes = append(v.Quotes, parts)
	}
	return v, nil
}
