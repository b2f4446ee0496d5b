package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"portal/internal/apperr"
	"portal/internal/document"
	"portal/internal/rotation"
)

// Incoming rotation requests and document metadata in the JSON API
// (issue 15). The services decide who sees what, exactly as for the
// pages: an applicant their own, a coordinator their departments', the
// office everything; a document's metadata to its owner and to whoever
// may open it. A document's contents are not in the API.

type apiRotationChoice struct {
	Rank         int    `json:"rank"`
	DepartmentID int64  `json:"department_id"`
	Department   string `json:"department"`
	StartsOn     string `json:"starts_on"`
	EndsOn       string `json:"ends_on"`
	Weeks        int    `json:"weeks"`
}

type apiRotationRow struct {
	ID             int64               `json:"id"`
	Stage          string              `json:"stage"`
	Applicant      string              `json:"applicant"`
	StageSince     string              `json:"stage_since"`
	AcceptedChoice int                 `json:"accepted_choice"`
	Choices        []apiRotationChoice `json:"choices"`
}

type apiRotationDoc struct {
	ID        int64   `json:"id"`
	Type      string  `json:"type"`
	FileName  string  `json:"file_name"`
	ExpiresOn *string `json:"expires_on"`
	Deleted   bool    `json:"deleted"`
}

type apiRotation struct {
	apiRotationRow
	Version   int              `json:"version"`
	Statement string           `json:"statement"`
	Actions   []string         `json:"actions"`
	Events    []apiEvent       `json:"events"`
	Documents []apiRotationDoc `json:"documents"`
}

func apiRotationChoices(cs []rotation.ChoiceDetail) []apiRotationChoice {
	out := make([]apiRotationChoice, 0, len(cs))
	for _, c := range cs {
		out = append(out, apiRotationChoice{c.Rank, c.DepartmentID, c.NameEN, c.StartsOn.Format(time.DateOnly), c.EndsOn.Format(time.DateOnly), c.Weeks})
	}
	return out
}

// apiRotations lists the requests the caller may see, filtered by stage
// and department, keyset pages by id through "after".
func (s *Server) apiRotations(c echo.Context) error {
	f := rotation.ListFilter{After: c.QueryParam("after")}
	if v := c.QueryParam("stage"); v != "" {
		st, ok := rotation.ParseStage(v)
		if !ok {
			return apperr.New(apperr.Invalid, "error.bad_request")
		}
		f.Stage = st
	}
	var err error
	if f.DepartmentID, err = apiInt(c, "department"); err != nil {
		return err
	}
	lim, err := apiInt(c, "limit")
	if err != nil {
		return err
	}
	f.Limit = int(lim)
	p, err := s.Rotations.List(c.Request().Context(), visitorOf(c).User, f)
	if err != nil {
		return err
	}
	out := make([]apiRotationRow, 0, len(p.Rows))
	for _, r := range p.Rows {
		out = append(out, apiRotationRow{r.ID, string(r.Status), r.ApplicantName, r.StageSince.UTC().Format(time.RFC3339), r.AcceptedChoice, apiRotationChoices(r.Choices)})
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "next": p.Next})
}

// apiRotation is one request with its history and its documents' metadata.
func (s *Server) apiRotation(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Rotations.Get(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	out := apiRotation{
		apiRotationRow: apiRotationRow{d.ID, string(d.Status), d.ApplicantName, d.StageSince.UTC().Format(time.RFC3339), d.AcceptedChoice, apiRotationChoices(d.Choices)},
		Version:        d.Version, Statement: d.Statement, Actions: []string{}, Events: []apiEvent{}, Documents: []apiRotationDoc{},
	}
	for _, a := range d.Actions {
		out.Actions = append(out.Actions, string(a))
	}
	for _, e := range d.Events {
		out.Events = append(out.Events, apiEvent{e.At.UTC().Format(time.RFC3339), e.ActorName, string(e.Role), string(e.Action),
			string(e.FromStage), string(e.ToStage), e.Comment})
	}
	for _, doc := range d.Documents {
		out.Documents = append(out.Documents, apiRotationDoc{doc.ID, doc.Type, doc.FileName, apiDay(doc.ExpiresOn), doc.Deleted})
	}
	return c.JSON(http.StatusOK, out)
}

type apiDocument struct {
	ID         int64   `json:"id"`
	OwnerID    int64   `json:"owner_id"`
	Type       string  `json:"type"`
	Version    int     `json:"version"`
	FileName   string  `json:"file_name"`
	MediaType  string  `json:"media_type"`
	Size       int64   `json:"size"`
	SHA256     string  `json:"sha256"`
	ExpiresOn  *string `json:"expires_on"`
	Status     string  `json:"status"`
	UploadedAt string  `json:"uploaded_at"`
	Current    bool    `json:"current"`
}

func (s *Server) apiDocumentOf(d document.Document) apiDocument {
	return apiDocument{d.ID, d.OwnerID, d.Type, d.Version, d.FileName, d.MediaType, d.Size, d.SHA256, apiDay(d.ExpiresOn),
		string(d.StatusOn(s.Documents.Today())), d.UploadedAt.UTC().Format(time.RFC3339), d.SupersededAt == nil}
}

// apiDocuments lists the caller's own wallet: current versions, by id.
func (s *Server) apiDocuments(c echo.Context) error {
	lim, err := apiInt(c, "limit")
	if err != nil {
		return err
	}
	p, err := s.Documents.ListMeta(c.Request().Context(), visitorOf(c).User.ID,
		document.MetaFilter{Type: c.QueryParam("type"), After: c.QueryParam("after"), Limit: int(lim)})
	if err != nil {
		return err
	}
	out := make([]apiDocument, 0, len(p.Rows))
	for _, d := range p.Rows {
		out = append(out, s.apiDocumentOf(d))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "next": p.Next})
}

// apiDocument is one document's metadata, to whoever may open it.
func (s *Server) apiDocument(c echo.Context) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := s.Documents.Meta(c.Request().Context(), visitorOf(c).User, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.apiDocumentOf(*d))
}

// apiInt reads an optional positive integer query parameter; 0 when absent.
func apiInt(c echo.Context, name string) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.New(apperr.Invalid, "error.bad_request")
	}
	return n, nil
}

func apiDay(t *time.Time) *string {
	if t == nil {
		return nil
	}
	v := t.Format(time.DateOnly)
	return &v
}
