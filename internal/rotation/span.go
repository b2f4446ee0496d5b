package rotation

import (
	"context"
	"time"

	"portal/internal/user"
)

// Why a week cannot be part of a requested span. The request form shows
// the reason beside the week, and the save check (checkChoice) refuses
// the same weeks for the same reasons, so that the calendar never offers
// what saving would refuse.
const (
	WeekOK          = ""
	WeekSoon        = "soon"        // before the department's lead time
	WeekUnpublished = "unpublished" // not open for rotations
	WeekClosed      = "closed"      // a blackout week
	WeekFull        = "full"        // no free seat
	WeekHeld        = "held"        // the applicant holds a confirmed rotation then
	WeekBeyond      = "beyond"      // a span from here runs past the published weeks
)

// SpanWeek is one week of the request form's calendar for a span of a
// given length.
type SpanWeek struct {
	Week time.Time
	Free int
	// Reason is why the week itself cannot be included; WeekOK when it can.
	Reason string
	// CanStart says a span of the asked length may start here. When it
	// may not and the week itself is fine, Blocker is the first week of the
	// span that cannot be included, and BlockReason its reason.
	CanStart    bool
	Blocker     time.Time
	BlockReason string
}

// Span is a department's calendar as an applicant picks a span from it.
type Span struct {
	Department Department
	Weeks      int // the span's length, within the department's rules
	List       []SpanWeek
}

// SpanWeeks lists department dep's weeks from next Monday over the
// calendar's reach, saying of each whether applicant u could include it in
// a request and whether a span of weeks weeks could start there, and why
// not. A length outside the department's rules is taken as its fewest
// weeks. Trailing weeks that were never published are left out. NotFound
// when the department takes no rotations.
func (s *Service) SpanWeeks(ctx context.Context, u *user.User, dep int64, weeks int) (*Span, error) {
	tx := s.db.WithContext(ctx)
	deps, err := s.departments(tx, []int64{dep})
	if err != nil {
		return nil, err
	}
	if len(deps) == 0 {
		return nil, errNotFound
	}
	rules := deps[0].Rules
	if weeks < rules.MinWeeks || weeks > rules.MaxWeeks {
		weeks = rules.MinWeeks
	}
	today := s.Today()
	first := Monday(today).AddDate(0, 0, 7)
	shown := CalendarWeeks
	// A span that starts on the last week shown reaches past it.
	var blocks []Block
	err = tx.Where("department_id = ? AND week >= ? AND week < ?", dep, first, first.AddDate(0, 0, 7*(shown+weeks))).
		Order("week").Find(&blocks).Error
	if err != nil {
		return nil, wrap(err, "span weeks")
	}
	byWeek := make(map[time.Time]*Block, len(blocks))
	for i := range blocks {
		byWeek[Day(blocks[i].Week)] = &blocks[i]
	}
	var held []Choice
	if u != nil {
		err = tx.Table("rotation_choices AS c").Select("c.*").
			Joins("JOIN rotation_requests AS r ON r.id = c.request_id AND r.accepted_choice = c.rank").
			Where("r.applicant_id = ? AND r.status = ?", u.ID, Confirmed).Find(&held).Error
		if err != nil {
			return nil, wrap(err, "span weeks")
		}
	}
	earliest := today.AddDate(0, 0, rules.LeadDays)
	reason := func(w time.Time) string {
		if w.Before(earliest) {
			return WeekSoon
		}
		if r := blockReason(byWeek[w]); r != WeekOK {
			return r
		}
		for _, h := range held {
			if !w.Before(Day(h.StartsOn)) && !w.After(h.EndsOn()) {
				return WeekHeld
			}
		}
		return WeekOK
	}
	out := &Span{Department: deps[0], Weeks: weeks}
	last := -1
	for i := range shown {
		w := first.AddDate(0, 0, 7*i)
		sw := SpanWeek{Week: w, Reason: reason(w)}
		if b := byWeek[w]; b != nil {
			sw.Free = b.Free()
			last = i
		}
		if sw.Reason == WeekOK {
			sw.CanStart = true
			for _, x := range weeksOf(w, weeks)[1:] {
				if r := reason(x); r != WeekOK {
					sw.CanStart, sw.Blocker, sw.BlockReason = false, x, r
					if r == WeekUnpublished && len(blocks) > 0 && x.After(Day(blocks[len(blocks)-1].Week)) {
						sw.BlockReason = WeekBeyond
					}
					break
				}
			}
		}
		out.List = append(out.List, sw)
	}
	out.List = out.List[:last+1]
	return out, nil
}

// blockReason is why a week with block b (nil: never published) cannot
// hold a new rotation, whoever asks; WeekOK when it can.
func blockReason(b *Block) string {
	switch {
	case b == nil:
		return WeekUnpublished
	case b.Blackout:
		return WeekClosed
	case b.Free() == 0:
		return WeekFull
	}
	return WeekOK
}
