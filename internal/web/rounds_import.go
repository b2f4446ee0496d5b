package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/selection"
	"portal/internal/sheet"
)

// Score import (issue 14): the office uploads a round's scores as CSV or
// XLSX, reads the preview with its problems row by row, and commits the
// file all or nothing, as the catalog import does.

// The score import's pages.
const (
	pageRoundsImport        pageName = "rounds_import"
	pageRoundsImportPreview pageName = "rounds_import_preview"
)

// roundImportRoutes are the score import's routes, all the office's.
func (s *Server) roundImportRoutes(r router) {
	r.get("/rounds/:id/scores/import", office, s.roundImportForm)
	r.post("/rounds/:id/scores/import", office, s.roundImportUpload)
	r.get("/rounds/:id/scores/sheet.csv", office, s.roundScoreSheet)
	r.get("/rounds/:id/scores/import/:imp", office, s.roundImportPreview)
	r.post("/rounds/:id/scores/import/:imp/commit", office, s.roundImportCommit)
}

type roundImportView struct {
	Page
	ID            int64
	Name          string
	Action, Sheet string
	Hint, Error   string
	Columns       []roundImportColumn
	Editable      bool
}

type roundImportColumn struct{ Name, Help string }

func (s *Server) roundImportForm(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return s.roundImportPage(c, http.StatusOK, id, nil)
}

func (s *Server) roundImportPage(c echo.Context, status int, id int64, fileErr error) error {
	f, err := s.Selection.Get(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	p := s.page(c, "selection_after.import.title")
	v := roundImportView{Page: p, ID: id, Name: f.Name, Editable: selection.Editable(f.State),
		Action: roundPath(id) + "/scores/import", Sheet: roundPath(id) + "/scores/sheet.csv",
		Hint: p.T("selection_after.import.hint", selection.ScoreImportLimits.Bytes>>10, selection.ScoreImportLimits.Rows)}
	v.Columns = append(v.Columns, roundImportColumn{Name: selection.StudentColumn, Help: p.T("selection_after.import.col.student")},
		roundImportColumn{Name: selection.NameColumn, Help: p.T("selection_after.import.col.name")})
	for _, comp := range f.Components {
		help := p.T("selection_after.import.col.component", componentName(p, comp), comp.MinValue, comp.MaxValue)
		v.Columns = append(v.Columns, roundImportColumn{Name: comp.NameEN, Help: help})
	}
	if fileErr != nil {
		var ae *apperr.Error
		key, args := "error.internal", []any(nil)
		if errors.As(fileErr, &ae) {
			key, args = ae.Key, ae.Args
		}
		v.Error = p.T(key, args...)
		v.Title = p.T("manage.errors.page_title", v.Title)
	}
	return s.render.render(c, status, pageRoundsImport, v)
}

// roundImportUpload reads the file, keeps its rows and sends the browser
// to their preview; a file that cannot be read comes back with the reason.
func (s *Server) roundImportUpload(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	lim := int64(selection.ScoreImportLimits.Bytes)
	fh, err := c.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return s.roundImportPage(c, http.StatusUnprocessableEntity, id, apperr.New(apperr.Invalid, "selection_after.import.err.too_large", lim>>10))
		}
		return s.roundImportPage(c, http.StatusUnprocessableEntity, id, apperr.New(apperr.Invalid, "import.err.no_file"))
	}
	if fh.Size > lim {
		return s.roundImportPage(c, http.StatusUnprocessableEntity, id, apperr.New(apperr.Invalid, "selection_after.import.err.too_large", lim>>10))
	}
	file, err := fh.Open()
	if err != nil {
		return apperr.Internalf("open upload: %w", err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, lim+1))
	if err != nil {
		return apperr.Internalf("read upload: %w", err)
	}
	rec, err := selection.ParseScores(fh.Filename, data)
	if apperr.CodeOf(err) == apperr.Invalid {
		return s.roundImportPage(c, http.StatusUnprocessableEntity, id, err)
	} else if err != nil {
		return err
	}
	imp, err := s.Selection.SaveScoreImport(c.Request().Context(), visitorOf(c).User, id, fh.Filename, rec)
	if invalid(err) {
		return s.roundImportPage(c, http.StatusUnprocessableEntity, id, err)
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s/scores/import/%d", roundPath(id), imp.ID))
}

// roundScoreSheet is the import's file filled with the round's applicants
// and their values so far: the office completes it and uploads it again.
func (s *Server) roundScoreSheet(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, err := s.Selection.ScoreSheet(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := sheet.WriteCSV(&buf, t); err != nil {
		return apperr.Internalf("write score sheet: %w", err)
	}
	return importDownload(c, fmt.Sprintf("round-%d-scores.csv", id), "text/csv; charset=utf-8", buf.Bytes())
}

type roundImportPreviewView struct {
	Page
	ID                  int64
	Name, Heading       string
	Note, EncodingNote  string
	FileError           string
	Summary, ErrorsLede string
	ErrorsMore          string
	Errors              []importErrorRow
	Components          []string
	Changes             []roundImportChange
	CommitPath, Commit  string
	Again               string
}

type roundImportChange struct {
	Line                 int
	Student, Name, Score string
	Cells                []roundImportCell
}

type roundImportCell struct {
	Before, After string
	Changed       bool
}

func (s *Server) roundImportPreview(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	imp, err := idParam(c, "imp")
	if err != nil {
		return err
	}
	return s.roundImportPreviewPage(c, id, imp, nil)
}

// roundImportPreviewPage shows upload imp of round id; refused, when a
// commit was refused, is said at the top.
func (s *Server) roundImportPreviewPage(c echo.Context, id, imp int64, refused *apperr.Error) error {
	pv, err := s.Selection.PreviewScoreImport(c.Request().Context(), visitorOf(c).User, id, imp)
	if err != nil {
		return err
	}
	p := s.page(c, "selection_after.preview.title")
	v := roundImportPreviewView{Page: p, ID: id, Name: pv.Round.Name,
		Heading: p.T("selection_after.preview.heading", pv.Import.FileName), Again: roundPath(id) + "/scores/import"}
	if pv.Encoding == "big5" || pv.Encoding == "utf-16" {
		v.EncodingNote = p.T("import.preview.read_as." + pv.Encoding)
	}
	switch {
	case refused != nil:
		v.Note = p.T(refused.Key, refused.Args...)
	case pv.Import.CommittedAt != nil:
		v.Note = p.T("selection_after.preview.committed", p.When(*pv.Import.CommittedAt))
	case pv.Stale:
		v.Note = p.T("import.err.stale")
	case !selection.Editable(pv.Round.State):
		v.Note = p.T("selection.err.not_editable")
	}
	status := http.StatusOK
	if pv.FileError != nil {
		v.FileError = p.T(pv.FileError.Key, pv.FileError.Args...)
		v.Title = p.T("manage.errors.page_title", v.Title)
		return s.render.render(c, http.StatusUnprocessableEntity, pageRoundsImportPreview, v)
	}
	for _, comp := range pv.Round.Components {
		v.Components = append(v.Components, componentName(p, comp))
	}
	if pv.ErrorCount > 0 {
		status = http.StatusUnprocessableEntity
		v.Title = p.T("manage.errors.page_title", v.Title)
		v.Summary = p.N("selection_after.preview.rows", pv.Rows)
		v.ErrorsLede = p.T("import.preview.errors_lede", pv.BadRows, pv.ErrorCount)
		if pv.ErrorCount > len(pv.Errors) {
			v.ErrorsMore = p.T("import.preview.errors_more", len(pv.Errors))
		}
		for _, e := range pv.Errors {
			col := e.Column
			if col == "" {
				col = p.T("import.preview.whole_row")
			}
			v.Errors = append(v.Errors, importErrorRow{Line: e.Line, Column: col, Message: p.T(e.Key, e.Args...)})
		}
	} else {
		v.Summary = p.T("selection_after.preview.summary", p.N("selection_after.preview.rows", pv.Rows),
			p.N("selection_after.preview.applicants", len(pv.Changes)), p.N("selection_after.preview.values", pv.Values))
		if v.Note == "" && len(pv.Changes) > 0 {
			v.CommitPath = fmt.Sprintf("%s/scores/import/%d/commit", roundPath(id), imp)
			v.Commit = p.N("selection_after.preview.commit", pv.Values)
		}
	}
	for _, ch := range pv.Changes {
		row := roundImportChange{Line: ch.Line, Student: ch.StudentNumber, Name: ch.Name, Score: selection.FormatCenti(ch.Score)}
		for _, comp := range pv.Round.Components {
			var cell roundImportCell
			before, after := ch.Before[comp.ID], ch.After[comp.ID]
			if before != nil {
				cell.Before = selection.FormatCenti(*before)
			}
			if after != nil {
				cell.After = selection.FormatCenti(*after)
			}
			cell.Changed = cell.Before != cell.After
			row.Cells = append(row.Cells, cell)
		}
		v.Changes = append(v.Changes, row)
	}
	return s.render.render(c, status, pageRoundsImportPreview, v)
}

// roundImportCommit writes a previewed file, all or nothing; a second
// click finds it written and says so; a file that became wrong since its
// preview sends the office back to it.
func (s *Server) roundImportCommit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	imp, err := idParam(c, "imp")
	if err != nil {
		return err
	}
	res, err := s.Selection.CommitScoreImport(c.Request().Context(), visitorOf(c).User, id, imp)
	if invalid(err) {
		var ae *apperr.Error
		errors.As(err, &ae)
		return s.roundImportPreviewPage(c, id, imp, ae)
	} else if err != nil {
		return err
	}
	switch {
	case res.AlreadyCommitted:
		return s.done(c, "selection_after_import_again", roundPath(id)+"/scores")
	case res.Committed:
		return s.done(c, "selection_after_imported", roundPath(id)+"/scores")
	}
	return s.done(c, "selection_after_import_refused", fmt.Sprintf("%s/scores/import/%d", roundPath(id), imp))
}
