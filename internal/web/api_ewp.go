package web

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// ewpRoutes are the office's downloads of Erasmus Without Paper
// documents: a nomination's Outgoing Mobilities get-response, the same
// fields as JSON for a clinical traineeship (outside EWP v3), and an
// agreement's IIA get-response. Who may read them is the ewp service's.
func (s *Server) ewpRoutes(r router) {
	if s.EWP == nil {
		return
	}
	r.get("/applications/:id/ewp.xml", office, s.applicationEWP)
	r.get("/applications/:id/ewp.json", office, s.applicationEWPJSON)
	r.get("/manage/agreements/:id/ewp.xml", office, s.agreementEWP)
	r.post("/applications/:id/ewp/student", office, s.ewpFactsSave) // ewp_facts.go
}

func (s *Server) applicationEWP(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b, err := s.EWP.OmobilitiesXML(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	return xmlDownload(c, fmt.Sprintf("omobility-%d.xml", id), b)
}

func (s *Server) applicationEWPJSON(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ex, err := s.EWP.Mobilities(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="mobility-%d.json"`, id))
	return c.JSON(http.StatusOK, ewpJSON(ex))
}

func (s *Server) agreementEWP(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b, err := s.EWP.IIAXML(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	return xmlDownload(c, fmt.Sprintf("iia-%d.xml", id), b)
}

func xmlDownload(c echo.Context, name string, b []byte) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", b)
}
