package watch

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/user"
)

// Limits of saved searches.
const (
	// MaxSearchName is the longest name of a saved search, in characters.
	MaxSearchName = 80
	// MaxSearches is how many searches one student may keep: a list to
	// read, not an archive.
	MaxSearches = 30
	// maxQuery bounds the stored query string; the catalog's own form
	// cannot make a longer one.
	maxQuery = 1000
)

// SavedSearch is a catalog search a student named. Query is the catalog
// address's query string (without "?"), as the web layer built it from the
// search it understood.
type SavedSearch struct {
	ID        int64
	UserID    int64
	Name      string
	Query     string
	CreatedAt time.Time
	CheckedAt *time.Time // when SendSearchMails last ran it; nil before
}

func (SavedSearch) TableName() string { return "saved_searches" }

// SaveSearch keeps query under name for student u. A name they already
// use, or one too many searches, is refused on the name field and nothing
// changes.
func (s *Service) SaveSearch(ctx context.Context, u *user.User, name, query string) (*SavedSearch, error) {
	if err := student(u); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	f := apperr.Fields{}
	f.Text("name", name, true, MaxSearchName)
	if len(query) > maxQuery || strings.ContainsAny(query, "\r\n#") {
		f.Add("name", "watch.err.query")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	row := &SavedSearch{UserID: u.ID, Name: name, Query: query, CreatedAt: s.now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var mine []SavedSearch
		if err := tx.Select("id", "name").Where("user_id = ?", u.ID).Find(&mine).Error; err != nil {
			return err
		}
		for _, m := range mine {
			if strings.EqualFold(m.Name, name) {
				return fieldErr("name", "watch.err.name_taken", name)
			}
		}
		if len(mine) >= MaxSearches {
			return fieldErr("name", "watch.err.too_many", MaxSearches)
		}
		err := tx.Create(row).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return fieldErr("name", "watch.err.name_taken", name)
		}
		return err
	})
	if err != nil {
		return nil, wrap(err, "save a search")
	}
	return row, nil
}

func fieldErr(field, key string, args ...any) error {
	f := apperr.Fields{}
	f.Add(field, key, args...)
	return f.Err()
}

// Searches lists u's saved searches by name.
func (s *Service) Searches(ctx context.Context, u *user.User) ([]SavedSearch, error) {
	if err := student(u); err != nil {
		return nil, err
	}
	var out []SavedSearch
	err := s.db.WithContext(ctx).Where("user_id = ?", u.ID).Order("name, id").Find(&out).Error
	return out, wrap(err, "list searches")
}

// DeleteSearch forgets one of u's searches; someone else's is not found.
func (s *Service) DeleteSearch(ctx context.Context, u *user.User, id int64) error {
	if err := student(u); err != nil {
		return err
	}
	return wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND user_id = ?", id, u.ID).Delete(&SavedSearch{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNotFound
		}
		return tx.Where("search_id = ?", id).Delete(&hit{}).Error
	}), "delete a search")
}
