package catalog

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// seatCache keeps the seats of every live period to come in memory, like
// searchCache keeps the catalog: reading the periods of a page's twenty
// cards on every search was a sixth of its time (issue 13). Triggers on
// periods raise catalog_search_version.seats_version with every committed
// change (migration 00067), and a search reads that number with the
// catalog's, so a seat taken on any replica shows on the next search. The
// periods are read again when it moves or the day changes: a placement
// costs one read of the periods to come, not one per search.
type seatCache struct {
	mu  sync.Mutex // held while loading
	cur atomic.Pointer[seatSnapshot]
}

// seatSnapshot is the periods to come, by elective and start, at one
// seats version and day.
type seatSnapshot struct {
	version int64
	today   time.Time
	periods map[int64][]periodSeats
}

type periodSeats struct {
	start time.Time
	left  int
}

// seatsAt returns the seats at version v on day today, reading them when
// the last read is older.
func (s *Service) seatsAt(ctx context.Context, v int64, today time.Time) (*seatSnapshot, error) {
	fresh := func(cur *seatSnapshot) bool { return cur != nil && cur.version >= v && cur.today.Equal(today) }
	if cur := s.search.seats.cur.Load(); fresh(cur) {
		return cur, nil
	}
	s.search.seats.mu.Lock()
	defer s.search.seats.mu.Unlock()
	if cur := s.search.seats.cur.Load(); fresh(cur) {
		return cur, nil
	}
	// The version is read before the rows, as loadSnapshot does: a change
	// in between is read again by the next search, never missed.
	vs, err := s.searchVersions(ctx)
	if err != nil {
		return nil, err
	}
	var ps []Period
	err = s.db.WithContext(ctx).Model(&Period{}).Select("elective_id, starts_on, capacity, taken").
		Where("retired_at IS NULL AND starts_on >= ?", today).Order("starts_on, id").Scan(&ps).Error
	if err != nil {
		return nil, wrap(err, "periods to come")
	}
	snap := &seatSnapshot{version: vs.seats, today: today, periods: map[int64][]periodSeats{}}
	for _, p := range ps {
		snap.periods[p.ElectiveID] = append(snap.periods[p.ElectiveID], periodSeats{start: p.StartsOn, left: p.SeatsLeft()})
	}
	s.search.seats.cur.Store(snap)
	return snap, nil
}

// fill adds to each card its next period to come, with that period's
// seats, and how many periods and seats follow it. The seats are those of
// the next period alone: a card saying "Next period starts 2 Apr 2027 · 5
// seats left" when April has 2 and later periods the other 3 misleads
// (issue 13).
func (snap *seatSnapshot) fill(cards []Card) {
	for i := range cards {
		c := &cards[i]
		for j, p := range snap.periods[c.ElectiveID] {
			c.Periods++
			if j == 0 {
				start := p.start
				c.NextStart, c.SeatsLeft = &start, p.left
				continue
			}
			c.LaterSeats += p.left
		}
	}
}
