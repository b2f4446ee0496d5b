package report

import (
	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/user"
)

// The reports' scopes: the office and admins read every report over
// everything; a department reviewer reads the pipeline and seat fill of
// the specialties they review (reviewer_scopes, as in the queue), and a
// host coordinator the load of the departments they look after
// (rotation_coordinators). Each report names who may read it, so the web
// layer shows each person only the tabs they may open.

// Kinds of report with a scope beyond the office.
const (
	KindPipeline    = "pipeline"
	KindSeats       = "seats"
	KindDepartments = "departments"
)

// scoped lists, per report, the roles besides the office and admins that
// may read it, narrowed to their scope.
var scoped = map[string][]user.Role{
	KindPipeline:    {user.Reviewer},
	KindSeats:       {user.Reviewer},
	KindDepartments: {user.Coordinator},
}

// Readable reports whether u may open report kind at all (in their scope).
func Readable(u *user.User, kind string) bool {
	if u == nil {
		return false
	}
	if u.Has(user.Office, user.Admin) {
		return true
	}
	roles := scoped[kind]
	return len(roles) > 0 && u.Has(roles...)
}

// allowKind refuses u report kind, as allow does for the office's own.
func (s *Service) allowKind(u *user.User, kind string) error {
	if !Readable(u, kind) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

// everything reports whether u reads a report unscoped.
func everything(u *user.User) bool { return u.Has(user.Office, user.Admin) }

// bySpecialty narrows q to the specialties u reviews, column being the
// specialty of the rows; the office's query is left as it is.
func bySpecialty(q *gorm.DB, u *user.User, column string) *gorm.DB {
	if everything(u) {
		return q
	}
	return q.Where(column+" IN (SELECT rs.specialty FROM reviewer_scopes AS rs WHERE rs.user_id = ?)", u.ID)
}

// byDepartment narrows q to the departments u coordinates.
func byDepartment(q *gorm.DB, u *user.User, column string) *gorm.DB {
	if everything(u) {
		return q
	}
	return q.Where(column+" IN (SELECT k.department_id FROM rotation_coordinators AS k WHERE k.user_id = ?)", u.ID)
}
