package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/catalog"
)

// importBodyLimit bounds an upload request: a file of at most
// catalog.MaxImportBytes plus the multipart envelope, with room to spare.
// The server's global 1 MB limit skips /manage/import for this route.
const importBodyLimit = "20M"

// importPath is the upload route, which bodyLimits recognises.
const importPath = "/manage/import"

// importFormView is the upload page, with the message of a file that
// could not be read.
type importFormView struct {
	Page
	Manage  sectionNav
	Summary *errorSummary
	Error   string // the file's message, shown at the field too
	Hint    string
	Columns []importColumnHelp
}

type importColumnHelp struct {
	Name, Help string
	Required   bool
}

func (s *Server) importFormView(c echo.Context, fileErr error) importFormView {
	p := s.page(c, "import.title")
	v := importFormView{Page: p, Manage: manageNav(p, manageEntity{name: "import"}),
		Hint: p.T("import.file_hint", catalog.MaxImportBytes>>20, catalog.MaxImportRows)}
	if fileErr != nil {
		var ae *apperr.Error
		key, args := "error.internal", []any(nil)
		if errors.As(fileErr, &ae) {
			key, args = ae.Key, ae.Args
		}
		v.Error = p.T(key, args...)
		v.Title = p.T("manage.errors.page_title", v.Title)
		v.Summary = &errorSummary{Title: p.T("import.error_title"), Message: p.T("import.error_lede"),
			Items: []summaryItem{{Href: "#file", Label: p.T("import.file"), Message: v.Error}}}
	}
	for _, col := range catalog.ImportColumns {
		v.Columns = append(v.Columns, importColumnHelp{Name: col, Help: p.T("import.col." + col),
			Required: slices.Contains(catalog.RequiredImportColumns, col)})
	}
	return v
}

// importForm is the upload form.
func (s *Server) importForm(c echo.Context) error {
	return s.render.render(c, http.StatusOK, pageManageImport, s.importFormView(c, nil))
}

// importUpload reads the file, stores its rows and sends the browser to
// their preview. A file that cannot be read at all gets the form again with
// the reason, naming the line when there is one.
func (s *Server) importUpload(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return s.importRefused(c, apperr.New(apperr.Invalid, "import.err.too_large", catalog.MaxImportBytes>>20))
		}
		return s.importRefused(c, apperr.New(apperr.Invalid, "import.err.no_file"))
	}
	if fh.Size > catalog.MaxImportBytes {
		return s.importRefused(c, apperr.New(apperr.Invalid, "import.err.too_large", catalog.MaxImportBytes>>20))
	}
	f, err := fh.Open()
	if err != nil {
		return apperr.Internalf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, catalog.MaxImportBytes+1))
	if err != nil {
		return apperr.Internalf("read upload: %w", err)
	}
	up, err := catalog.ParseImport(fh.Filename, data)
	if apperr.CodeOf(err) == apperr.Invalid {
		return s.importRefused(c, err)
	} else if err != nil {
		return err
	}
	imp, err := s.Catalog.SaveImport(c.Request().Context(), visitorOf(c).User.ID, fh.Filename, up)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/manage/import/%d", imp.ID))
}

func (s *Server) importRefused(c echo.Context, err error) error {
	return s.render.render(c, http.StatusUnprocessableEntity, pageManageImport, s.importFormView(c, err))
}

// importTemplate is a CSV with the header and two example rows.
func (s *Server) importTemplate(c echo.Context) error {
	var buf bytes.Buffer
	if err := catalog.WriteCSV(&buf, catalog.ExampleRows(s.Catalog.Today())); err != nil {
		return apperr.Internalf("write template: %w", err)
	}
	return importDownload(c, "electives-template.csv", "text/csv; charset=utf-8", buf.Bytes())
}

// importPreviewView shows what committing an upload would do.
type importPreviewView struct {
	Page
	Manage       sectionNav
	Heading      string
	Summary      string
	EncodingNote string
	Note         string // committed or stale: why there is no button
	Errors       []importErrorRow
	ErrorsLede   string
	ErrorsMore   string
	Ready        string
	Preview      []importPreviewRow
	PreviewMore  string
	CommitPath   string // empty when it cannot be committed
	CommitLabel  string
}

type importErrorRow struct {
	Line            int
	Column, Message string
}

type importPreviewRow struct {
	Line                      int
	Ref, Title, TitleZH, Inst string
	Kind, Window, Dates       string
	Periods, Seats            int
}

// importPreview checks a stored upload as its commit would and shows the
// result: the problems row by row, or the electives it will create.
func (s *Server) importPreview(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	pv, err := s.Catalog.PreviewImport(c.Request().Context(), id, visitorOf(c).User.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "import.preview.title")
	v := importPreviewView{Page: p, Manage: manageNav(p, manageEntity{name: "import"}), Heading: p.T("import.preview.heading", pv.FileName)}
	if pv.Encoding == catalog.EncodingBig5 || pv.Encoding == catalog.EncodingUTF16 {
		v.EncodingNote = p.T("import.preview.read_as." + pv.Encoding)
	}
	switch {
	case pv.CommittedAt != nil:
		v.Note = p.T("import.preview.committed", p.When(*pv.CommittedAt))
	case pv.Stale:
		v.Note = p.T("import.preview.stale")
	}
	res := pv.Result
	if res == nil {
		return s.render.render(c, http.StatusOK, pageManageImportPreview, v)
	}
	if res.ErrorCount > 0 {
		v.Summary = p.T("import.preview.rows", res.Rows)
		v.Title = p.T("manage.errors.page_title", v.Title)
		v.ErrorsLede = p.T("import.preview.errors_lede", res.BadRows, res.ErrorCount)
		if res.ErrorCount > len(res.Errors) {
			v.ErrorsMore = p.T("import.preview.errors_more", len(res.Errors))
		}
		for _, e := range res.Errors {
			col := e.Column
			if col == "" {
				col = p.T("import.preview.whole_row")
			}
			v.Errors = append(v.Errors, importErrorRow{Line: e.Line, Column: col, Message: p.T(e.Msg.Key, e.Msg.Args...)})
		}
	} else {
		v.Summary = p.T("import.preview.summary", res.Rows, res.Electives, res.Periods)
		v.Ready = p.T("import.preview.ready")
		if !pv.Stale {
			v.CommitPath = fmt.Sprintf("/manage/import/%d/commit", pv.ID)
			v.CommitLabel = p.T("import.preview.commit", res.Electives, res.Periods)
		}
	}
	for _, e := range res.Preview {
		r := importPreviewRow{Line: e.Line, Ref: e.Ref, Title: e.TitleEN, TitleZH: e.TitleZH, Inst: e.InstitutionNameEN,
			Kind: p.T("elective_kind." + e.Kind), Periods: e.Periods, Seats: e.Seats,
			Window: p.T("import.preview.range", p.Day(e.OpensOn), p.Day(e.ClosesOn))}
		if e.Periods > 0 {
			r.Dates = p.T("import.preview.range", p.Day(e.FirstStart), p.Day(e.LastEnd))
		}
		v.Preview = append(v.Preview, r)
	}
	if more := res.Electives - len(res.Preview); more > 0 {
		v.PreviewMore = p.T("import.preview.more", more)
	}
	status := http.StatusOK
	if res.ErrorCount > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.render.render(c, status, pageManageImportPreview, v)
}

// importCommit writes a previewed upload, all or nothing. A second click
// finds it committed and says so; rows that became wrong since the preview
// send the user back to it.
func (s *Server) importCommit(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	res, err := s.Catalog.CommitImport(c.Request().Context(), id, visitorOf(c).User.ID, meta(c))
	if err != nil {
		return err
	}
	switch {
	case res.AlreadyCommitted:
		s.setFlash(c, "import.already_done")
	case res.Committed:
		s.setFlash(c, "import.done")
	default:
		s.setFlash(c, "import.refused")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/manage/import/%d", id))
	}
	return c.Redirect(http.StatusSeeOther, "/manage/electives")
}

// exportView offers the downloads.
type exportView struct {
	Page
	Manage sectionNav
}

func (s *Server) exportPage(c echo.Context) error {
	p := s.page(c, "import.export.title")
	return s.render.render(c, http.StatusOK, pageManageImportExport, exportView{Page: p, Manage: manageNav(p, manageEntity{name: "export"})})
}

// exportCSV downloads every live outgoing elective with its periods in the
// import format, formulas neutralised.
func (s *Server) exportCSV(c echo.Context) error {
	rows, err := s.Catalog.ExportRows(c.Request().Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := catalog.WriteCSV(&buf, rows); err != nil {
		return apperr.Internalf("write export: %w", err)
	}
	return importDownload(c, s.exportName("csv"), "text/csv; charset=utf-8", buf.Bytes())
}

// exportXLSX is the same export as a workbook.
func (s *Server) exportXLSX(c echo.Context) error {
	rows, err := s.Catalog.ExportRows(c.Request().Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := catalog.WriteXLSX(&buf, rows); err != nil {
		return apperr.Internalf("write export: %w", err)
	}
	return importDownload(c, s.exportName("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}

// exportName dates the file by the catalog's clock, the one its rules use.
func (s *Server) exportName(ext string) string {
	return "electives-" + s.Catalog.Today().Format(time.DateOnly) + "." + ext
}

// importDownload sends a file to be saved, never shown in the browser.
func importDownload(c echo.Context, name, contentType string, body []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, contentType, body)
}
