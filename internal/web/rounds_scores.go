package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/selection"
)

// The scoring page: every applicant of a round the reader may score (the
// office all, a reviewer those in their scope), one form per applicant,
// with the rubric beside them.

type roundScoresView struct {
	Page
	ID       int64
	Name     string
	Editable bool
	Rubric   []scoreColumn
	Rows     []scoreRow
	Refusal  string
	// ImportPath is the score import's page, offered to the office while
	// scores may change (rounds_import.go).
	ImportPath string
}

type scoreColumn struct {
	ID               int64
	Name, Field      string
	Weight, Min, Max int
}

type scoreRow struct {
	AppID                     int64
	Form, Name, Email, Status string
	AppPath, Action, Score    string
	Complete                  bool
	Cells                     []scoreCell
}

type scoreCell struct {
	Field, Label, Value, Error, ErrorID string
	Min, Max                            int
}

func (s *Server) roundScores(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.roundScoresPage(c, http.StatusOK, id, 0, nil, nil)
}

func (s *Server) roundScoresSave(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	appID, err := idParam(c, "app")
	if err != nil {
		return err
	}
	u := visitorOf(c).User
	f, err := s.Selection.Get(c.Request().Context(), u, id)
	if err != nil {
		return err
	}
	typed := map[int64]string{}
	for _, comp := range f.Components {
		typed[comp.ID] = c.FormValue(scoreField(comp.ID))
	}
	err = s.Selection.SetScores(c.Request().Context(), u, id, appID, typed)
	if invalid(err) {
		return s.roundScoresPage(c, http.StatusUnprocessableEntity, id, appID, typed, err)
	} else if err != nil {
		return err
	}
	return s.done(c, "rounds_scored", roundPath(id)+"/scores#a"+strconv.FormatInt(appID, 10))
}

func scoreField(componentID int64) string { return "c" + strconv.FormatInt(componentID, 10) }

// roundScoresPage shows the scores, with what was typed for applicant
// refusedApp and its refusal when a form came back.
func (s *Server) roundScoresPage(c echo.Context, status int, id, refusedApp int64, typed map[int64]string, refused error) error {
	f, list, err := s.Selection.Applicants(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	v := roundScoresView{Page: s.page(c, "rounds.scores.title"), ID: id, Name: f.Name, Editable: selection.Editable(f.State)}
	if v.Editable && isOfficeUser(c) {
		v.ImportPath = roundPath(id) + "/scores/import"
	}
	fields := apperr.Fields{}
	var ae *apperr.Error
	if errors.As(refused, &ae) {
		v.Refusal = v.T(ae.Key, ae.Args...)
		fields = ae.Fields
	}
	for _, comp := range f.Components {
		v.Rubric = append(v.Rubric, scoreColumn{ID: comp.ID, Name: componentName(v.Page, comp), Field: scoreField(comp.ID),
			Weight: comp.Weight, Min: comp.MinValue, Max: comp.MaxValue})
	}
	for _, a := range list {
		form := "s" + strconv.FormatInt(a.ApplicationID, 10)
		row := scoreRow{AppID: a.ApplicationID, Form: form, Name: a.Name, Email: a.Email,
			Status: v.T("application.stage." + string(a.Status)), AppPath: "/applications/" + strconv.FormatInt(a.ApplicationID, 10),
			Action: roundPath(id) + "/scores/" + strconv.FormatInt(a.ApplicationID, 10),
			Score:  selection.FormatCenti(a.Score), Complete: a.Complete}
		for _, col := range v.Rubric {
			cell := scoreCell{Field: col.Field, Label: v.T("rounds.scores.value_of", col.Name, a.Name), Min: col.Min, Max: col.Max}
			if val, ok := a.Values[col.ID]; ok {
				cell.Value = selection.FormatCenti(val)
			}
			if a.ApplicationID == refusedApp {
				cell.Value = typed[col.ID]
				if m, ok := fields[col.Field]; ok {
					cell.Error, cell.ErrorID = v.T(m.Key, m.Args...), form+"-"+col.Field+"-error"
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render.render(c, status, pageRoundsScores, v)
}
