package rotation

import (
	"context"
	"strconv"

	"portal/internal/apperr"
	"portal/internal/user"
)

// The API's list of requests (issue 15). The pages show two lists, the
// applicant's own and a reviewer's queue; a script reads one list that is
// the union of both, under the same rules as partiesOf: an applicant's
// own requests (drafts too), a coordinator's departments' and the
// office's everything, never somebody else's draft. Pages are keyed by
// id, ascending, so that a script that pages while requests arrive
// neither repeats nor skips one.

// ListFilter narrows the API's list of requests.
type ListFilter struct {
	Stage        Stage // "" for every stage
	DepartmentID int64 // 0 for every department
	After        string
	Limit        int // DefaultListLimit when 0; at most MaxListLimit
}

// The sizes of a page of the API's list.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// ListPage is one page of the list and the cursor of the next.
type ListPage struct {
	Rows []Summary
	Next string // "" on the last page
}

// List is the API's list of the requests u may see, by id.
func (s *Service) List(ctx context.Context, u *user.User, f ListFilter) (*ListPage, error) {
	if u == nil {
		return &ListPage{}, nil
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultListLimit
	case limit < 0 || limit > MaxListLimit:
		return nil, apperr.New(apperr.Invalid, "error.bad_request")
	}
	var after int64
	if f.After != "" {
		n, err := strconv.ParseInt(f.After, 10, 64)
		if err != nil || n < 0 {
			return nil, apperr.New(apperr.Invalid, "error.bad_request")
		}
		after = n
	}
	q := s.db.WithContext(ctx)
	switch {
	case u.Has(PartyRoles[Office]...):
		q = q.Where("(r.applicant_id = ? OR r.status <> ?)", u.ID, Draft)
	case u.Has(PartyRoles[Coordinator]...):
		q = q.Where("(r.applicant_id = ? OR (r.status <> ? AND r.id IN (SELECT c.request_id FROM rotation_choices AS c "+
			"JOIN rotation_coordinators AS k ON k.department_id = c.department_id WHERE k.user_id = ?)))", u.ID, Draft, u.ID)
	default:
		q = q.Where("r.applicant_id = ?", u.ID)
	}
	if f.Stage != "" {
		q = q.Where("r.status = ?", f.Stage)
	}
	if f.DepartmentID != 0 {
		q = q.Where("r.id IN (SELECT request_id FROM rotation_choices WHERE department_id = ?)", f.DepartmentID)
	}
	rows, err := s.summaries(q.Where("r.id > ?", after).Order("r.id").Limit(limit + 1))
	if err != nil {
		return nil, err
	}
	page := &ListPage{Rows: rows}
	if len(rows) > limit {
		page.Rows = rows[:limit]
		page.Next = strconv.FormatInt(rows[limit-1].ID, 10)
	}
	return page, nil
}
