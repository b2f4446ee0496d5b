package watch

import (
	"context"
	"net/url"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/notify"
)

// Searcher runs a catalog search: catalog.Service in the portal.
type Searcher interface {
	Search(ctx context.Context, q catalog.Query) (catalog.Results, error)
}

// searchPages bounds how many pages of 100 results a saved search is read
// to: a search that broad is not one a student waits on.
const searchPages = 5

// QueryOf reads a saved query string as the catalog's query, the way the
// catalog page reads its address.
func QueryOf(query string) catalog.Query {
	v, _ := url.ParseQuery(query)
	seats := v.Get("seats")
	return catalog.Query{Text: v.Get("q"), Country: v.Get("country"), Specialty: v.Get("specialty"), Kind: v.Get("kind"),
		Language: v.Get("language"), Month: v.Get("month"), SeatsOnly: seats == "1" || seats == "on" || seats == "true"}
}

// hit is a row of saved_search_hits.
type hit struct {
	SearchID   int64 `gorm:"primaryKey;autoIncrement:false"`
	ElectiveID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (hit) TableName() string { return "saved_search_hits" }

// SendSearchMails runs every saved search and mails its student once
// about electives it finds that it never found before. The first look at
// a search records what it finds without a mail: the student saw those
// when they saved it. It returns how many mails it enqueued. Replicas take
// turns through an advisory lock on PostgreSQL; the hits make a second
// turn quiet.
func (s *Service) SendSearchMails(ctx context.Context, now time.Time) (int, error) {
	if s.o.Search == nil {
		return 0, nil
	}
	var list []SavedSearch
	if err := s.db.WithContext(ctx).Order("id").Find(&list).Error; err != nil {
		return 0, wrap(err, "saved searches")
	}
	n := 0
	for _, x := range list {
		found, err := s.found(ctx, x.Query)
		if err != nil {
			return n, wrap(err, "run a saved search")
		}
		sent, err := s.searchMail(ctx, x, found, now)
		if err != nil {
			return n, wrap(err, "saved search mail")
		}
		n += sent
	}
	return n, nil
}

// found is what a saved query finds now: a corrected spelling is not
// what the student asked for, and finds nothing here.
func (s *Service) found(ctx context.Context, query string) ([]int64, error) {
	q := QueryOf(query)
	q.PerPage = 100
	var ids []int64
	for page := 1; page <= searchPages; page++ {
		q.Page = page
		res, err := s.o.Search.Search(ctx, q)
		if err != nil || res.Suggestion != "" {
			return nil, err
		}
		for _, c := range res.Cards {
			ids = append(ids, c.ElectiveID)
		}
		if page >= res.Pages {
			break
		}
	}
	return ids, nil
}

// searchMail records the hits of one search and mails about the new ones,
// in one transaction.
func (s *Service) searchMail(ctx context.Context, x SavedSearch, found []int64, now time.Time) (int, error) {
	sent := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sent = 0
		if s.db.Dialect == db.Postgres {
			var mine bool
			if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?, ?)", mailLock, x.ID+1).Scan(&mine).Error; err != nil || !mine {
				return err // another replica has this search in hand
			}
		}
		var cur SavedSearch
		if err := tx.Select("id", "checked_at").Where("id = ?", x.ID).Take(&cur).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return nil // deleted meanwhile
			}
			return err
		}
		fresh := 0
		for _, id := range found {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&hit{SearchID: x.ID, ElectiveID: id})
			if res.Error != nil {
				return res.Error
			}
			fresh += int(res.RowsAffected)
		}
		if err := tx.Model(&SavedSearch{}).Where("id = ?", x.ID).Update("checked_at", now.UTC()).Error; err != nil {
			return err
		}
		if cur.CheckedAt == nil || fresh == 0 {
			return nil
		}
		link := "/electives"
		if x.Query != "" {
			link += "?" + x.Query
		}
		sent = 1
		return notify.Enqueue(tx, notify.Event{
			Kind: notify.WatchSearchNew, RecipientUserID: x.UserID, Link: link,
			Data: map[string]any{"search": x.Name, "count": fresh},
		})
	})
	return sent, err
}
