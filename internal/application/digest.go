package application

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/user"
)

// Waiting is what waits for one person's move in a review queue: for a
// department reviewer the applications in their scope that are the
// reviewers' turn, for the office those that are the office's.
type Waiting struct {
	UserID int64
	Party  Party // Reviewer or Office
	Count  int
	Oldest time.Time // since when the application waiting longest waits
}

// stagesOf lists the stages whose turn is p's and that wait in a queue.
func stagesOf(p Party) []Stage {
	var out []Stage
	for _, st := range Stages {
		if Turn(st) == p && queued(st) {
			out = append(out, st)
		}
	}
	return out
}

// hasRole is the SQL condition that users.id holds role, from the claims
// of their last sign-in or granted in the portal.
const hasRole = "(',' || u.claim_roles || ',' LIKE ? OR EXISTS (SELECT 1 FROM user_roles AS ur WHERE ur.user_id = u.id AND ur.role = ?))"

// WaitingForReview answers, for every department reviewer and member of
// the office with something waiting for them, how many applications wait
// and since when the oldest does. Reviewers never count their own
// applications. A daily job: a query per reviewer is fine.
func (s *Service) WaitingForReview(ctx context.Context) ([]Waiting, error) {
	q := s.db.WithContext(ctx)
	var out []Waiting
	var rows []struct {
		UserID int64
		Count  int
	}
	mine := func(q *gorm.DB) *gorm.DB {
		return q.Table("reviewer_scopes AS rs").
			Joins("JOIN users AS u ON u.id = rs.user_id").
			Joins("JOIN applications AS a ON a.specialty = rs.specialty AND a.applicant_id <> rs.user_id").
			Where("a.status IN ?", stagesOf(Reviewer)).
			Where(hasRole, "%,"+string(user.Reviewer)+",%", user.Reviewer)
	}
	err := mine(q).Select("rs.user_id, COUNT(*) AS count").Group("rs.user_id").Order("rs.user_id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "waiting for reviewers")
	}
	// The oldest is read as a column, not as MIN(), whose type the
	// drivers do not agree on.
	oldest := func(q *gorm.DB) (time.Time, error) {
		var at []time.Time
		err := q.Order("a.stage_since").Limit(1).Pluck("a.stage_since", &at).Error
		if err != nil || len(at) == 0 {
			return time.Time{}, err
		}
		return at[0], nil
	}
	for _, r := range rows {
		at, err := oldest(mine(q).Where("rs.user_id = ?", r.UserID))
		if err != nil {
			return nil, wrap(err, "oldest waiting")
		}
		out = append(out, Waiting{UserID: r.UserID, Party: Reviewer, Count: r.Count, Oldest: at})
	}
	var office int64
	if err := q.Model(&Application{}).Where("status IN ?", stagesOf(Office)).Count(&office).Error; err != nil {
		return nil, wrap(err, "waiting for the office")
	}
	if office == 0 {
		return out, nil
	}
	since, err := oldest(q.Table("applications AS a").Where("a.status IN ?", stagesOf(Office)))
	if err != nil {
		return nil, wrap(err, "oldest waiting")
	}
	var staff []int64
	err = q.Table("users AS u").Where(hasRole, "%,"+string(user.Office)+",%", user.Office).Order("u.id").Pluck("u.id", &staff).Error
	if err != nil {
		return nil, wrap(err, "office staff")
	}
	for _, id := range staff {
		out = append(out, Waiting{UserID: id, Party: Office, Count: int(office), Oldest: since})
	}
	return out, nil
}

// Deciders lists the people whose move it is when an application of
// specialty, by applicant, waits for party p: the department reviewers in
// scope (never the applicant themself) or the office. Others get nothing.
func Deciders(tx *gorm.DB, p Party, specialty string, applicant int64) ([]int64, error) {
	var ids []int64
	var err error
	switch p {
	case Reviewer:
		err = tx.Table("reviewer_scopes AS rs").Joins("JOIN users AS u ON u.id = rs.user_id").
			Where("rs.specialty = ? AND rs.user_id <> ?", specialty, applicant).
			Where(hasRole, "%,"+string(user.Reviewer)+",%", user.Reviewer).Order("u.id").Pluck("u.id", &ids).Error
	case Office:
		err = tx.Table("users AS u").Where("u.id <> ?", applicant).
			Where(hasRole, "%,"+string(user.Office)+",%", user.Office).Order("u.id").Pluck("u.id", &ids).Error
	}
	return ids, err
}
