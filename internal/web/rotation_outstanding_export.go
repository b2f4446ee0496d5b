package web

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/rotation"
	"portal/internal/sheet"
)

// rotationOutstandingExport sends the outstanding closes as
// /rotations/outstanding.<csv|xlsx>: the same rows the list shows the
// reader (a coordinator only their departments'), headed in their language.
func (s *Server) rotationOutstandingExport(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		list, err := s.Rotations.OutstandingCloses(c.Request().Context(), visitorOf(c).User)
		if err != nil {
			return err
		}
		p := s.page(c, "rotation.outstanding.title")
		yes, no := p.T("rotation_export.yes"), p.T("rotation_export.no")
		t := sheet.Table{Name: "Outstanding closes",
			Columns: []string{"request", "student", "department", "starts", "ends", "weeks", "attendance", "evaluation", "days_waiting"},
			Numeric: map[string]bool{"weeks": true, "days_waiting": true},
			Dates:   map[string]string{"starts": sheet.DateLayout, "ends": sheet.DateLayout}}
		for _, col := range t.Columns {
			t.Headers = append(t.Headers, p.T("rotation_export."+col))
		}
		for _, o := range list {
			att, ev := no, no
			if o.Attendance {
				att = yes
			}
			if o.Evaluation {
				ev = yes
			}
			t.Rows = append(t.Rows, []string{rotation.Ref(o.ID), o.ApplicantName, rotationDeptName(p.Lang, o.DepartmentEN, o.DepartmentZH),
				o.StartsOn.Format(sheet.DateLayout), o.EndsOn().Format(sheet.DateLayout), strconv.Itoa(o.Weeks), att, ev, strconv.Itoa(o.DaysWaiting)})
		}
		var buf bytes.Buffer
		mediaType := "text/csv; charset=utf-8"
		if format == "csv" {
			err = sheet.WriteCSV(&buf, t)
		} else {
			err = sheet.WriteXLSX(&buf, t)
			mediaType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		if err != nil {
			return apperr.Internalf("export outstanding closes: %w", err)
		}
		file := "outstanding-closes-" + p.zone.In(time.Now()).Format(time.DateOnly) + "." + format
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+file+`"`)
		return c.Blob(http.StatusOK, mediaType, buf.Bytes())
	}
}
