package application

import (
	"context"
	"slices"
	"time"

	"portal/internal/catalog"
	"portal/internal/document"
	"portal/internal/user"
)

// A home page is a worklist: what waits for its reader now. This file
// answers it for students (their own applications and wallet) and names
// the stages that wait for a reviewer or the office, whose lists are the
// queue's.

// Worklist horizons: how far ahead a student's home looks.
const (
	ClosingWithinDays  = 14 // a draft whose window closes within this is listed
	ExpiringWithinDays = 60 // a wallet document expiring within this is listed
)

// WorkItem is one application on a student's home.
type WorkItem struct {
	ApplicationID                    int64
	Status                           Stage
	ElectiveTitleEN, ElectiveTitleZH string
	InstitutionNameEN                string
	StartsOn, EndsOn                 time.Time
	Due                              time.Time // the offer's deadline, the window's last day, the first day
	Missing                          int       // required documents not in the wallet (drafts, returned)
}

// StudentWork is a student's worklist, each list most urgent first.
type StudentWork struct {
	Offers   []WorkItem          // offers waiting for an answer, by deadline
	Returned []WorkItem          // applications returned for changes
	Closing  []WorkItem          // drafts whose window closes soon, by closing day
	Next     *WorkItem           // the next placement (confirmed, not started)
	Expiring []document.Document // wallet documents expired or expiring soon
}

// Empty reports whether nothing waits for the student.
func (w *StudentWork) Empty() bool {
	return len(w.Offers)+len(w.Returned)+len(w.Closing)+len(w.Expiring) == 0 && w.Next == nil
}

// StudentWork lists what waits for student u.
func (s *Service) StudentWork(ctx context.Context, u *user.User) (*StudentWork, error) {
	w := &StudentWork{}
	if u == nil || !u.Has(PartyRoles[Applicant]...) {
		return w, nil
	}
	mine, err := s.Mine(ctx, u)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var closes map[int64]time.Time
	for _, a := range mine {
		if a.Status == Draft && closes == nil {
			if closes, err = s.windows(ctx, u.ID); err != nil {
				return nil, err
			}
		}
		it, ok := workItemOf(a)
		if !ok {
			continue
		}
		switch a.Status {
		case HostAccepted:
			if a.OfferExpiresAt != nil {
				it.Due = *a.OfferExpiresAt
			}
			w.Offers = append(w.Offers, it)
		case Returned:
			if it.Missing, err = s.missing(ctx, u, a.ID); err != nil {
				return nil, err
			}
			w.Returned = append(w.Returned, it)
		case Draft:
			due, ok := closes[a.ID]
			if !ok || due.Before(today) || due.After(today.AddDate(0, 0, ClosingWithinDays)) {
				continue
			}
			it.Due = due
			if it.Missing, err = s.missing(ctx, u, a.ID); err != nil {
				return nil, err
			}
			w.Closing = append(w.Closing, it)
		case Confirmed:
			if !it.StartsOn.Before(today) && (w.Next == nil || it.StartsOn.Before(w.Next.StartsOn)) {
				it.Due = it.StartsOn
				w.Next = &it
			}
		}
	}
	sortByDue(w.Offers)
	sortByDue(w.Closing)
	err = s.db.WithContext(ctx).
		Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL AND expires_on IS NOT NULL AND expires_on <= ?",
			u.ID, today.AddDate(0, 0, ExpiringWithinDays)).
		Order("expires_on, id").Find(&w.Expiring).Error
	return w, wrap(err, "expiring documents")
}

// workItemOf is a summary as its home shows it: its current choice (the
// seat's for a placement).
func workItemOf(a Summary) (WorkItem, bool) {
	if len(a.Choices) == 0 {
		return WorkItem{}, false
	}
	c := a.Choices[0]
	for _, ch := range a.Choices {
		if ch.Rank == a.CurrentChoice || ch.SeatReserved {
			c = ch
		}
	}
	return WorkItem{ApplicationID: a.ID, Status: a.Status, ElectiveTitleEN: c.ElectiveTitleEN, ElectiveTitleZH: c.ElectiveTitleZH,
		InstitutionNameEN: c.InstitutionNameEN, StartsOn: c.StartsOn, EndsOn: c.EndsOn}, true
}

// windows answers, for each draft of applicant, the earliest last day of
// its choices' windows: after it, that draft can no longer go in whole.
func (s *Service) windows(ctx context.Context, applicant int64) (map[int64]time.Time, error) {
	var rows []struct {
		ApplicationID int64
		ClosesOn      time.Time
	}
	err := s.db.WithContext(ctx).Table("application_choices AS c").Select("c.application_id, e.closes_on").
		Joins("JOIN applications AS a ON a.id = c.application_id").
		Joins("JOIN electives AS e ON e.id = c.elective_id").
		Where("a.applicant_id = ? AND a.status = ?", applicant, Draft).Scan(&rows).Error
	out := map[int64]time.Time{}
	for _, r := range rows {
		d := catalog.Day(r.ClosesOn)
		if cur, ok := out[r.ApplicationID]; !ok || d.Before(cur) {
			out[r.ApplicationID] = d
		}
	}
	return out, wrap(err, "draft windows")
}

// missing counts the required documents application id still lacks.
func (s *Service) missing(ctx context.Context, u *user.User, id int64) (int, error) {
	lists, err := s.Checklist(ctx, u, id)
	n := 0
	seen := map[string]bool{}
	for _, l := range lists {
		for _, need := range l.Needs {
			if (need.Status == document.Missing || need.Status == document.ExpiredBefore) && !seen[need.Type] {
				seen[need.Type] = true
				n++
			}
		}
	}
	return n, err
}

func sortByDue(items []WorkItem) {
	slices.SortStableFunc(items, func(a, b WorkItem) int { return a.Due.Compare(b.Due) })
}

// TurnStages are the open stages that wait for party p: a reviewer's
// "waiting for me", the office's.
func TurnStages(p Party) []Stage {
	var out []Stage
	for _, st := range OpenStages {
		if Turn(st) == p && queued(st) {
			out = append(out, st)
		}
	}
	return out
}
