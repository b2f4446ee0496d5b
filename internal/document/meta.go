package document

import (
	"context"
	"strconv"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/user"
)

// Document metadata for the API (issue 15): what a document is (type,
// name, size, checksum, expiry), never its contents, which stay behind
// Open and its audit. A person lists their own wallet; anyone else reads
// one document's metadata only where they could open it (the Scope, with
// its consent rules), and to anyone else it does not exist.

// MetaFilter narrows the API's list of a wallet.
type MetaFilter struct {
	Type  string // "" for every type
	After string // cursor: the id after which the page starts
	Limit int    // DefaultMetaLimit when 0; at most MaxMetaLimit
}

// The sizes of a page of the wallet's list.
const (
	DefaultMetaLimit = 50
	MaxMetaLimit     = 200
)

// MetaPage is one page of a wallet's current documents, by id, and the
// cursor of the next page ("" on the last).
type MetaPage struct {
	Rows []Document
	Next string
}

// ListMeta lists owner's current documents, by id.
func (s *Service) ListMeta(ctx context.Context, owner int64, f MetaFilter) (*MetaPage, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultMetaLimit
	case limit < 0 || limit > MaxMetaLimit:
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
	if f.Type != "" && !contains(Types(), f.Type) {
		return nil, apperr.New(apperr.Invalid, "error.bad_request")
	}
	q := s.db.WithContext(ctx).Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL AND id > ?", owner, after)
	if f.Type != "" {
		q = q.Where("type = ?", f.Type)
	}
	var rows []Document
	if err := q.Order("id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, wrap(err, "list document metadata")
	}
	page := &MetaPage{Rows: rows}
	if len(rows) > limit {
		page.Rows = rows[:limit]
		page.Next = strconv.FormatInt(rows[limit-1].ID, 10)
	}
	return page, nil
}

// Meta returns the metadata of document id, any version not deleted, to
// its owner and to whoever the Scope lets open it; NotFound to anyone
// else. The scope's own record of the reading (the disclosure log) is
// kept, since a document's type and name already say something about
// its owner's health.
func (s *Service) Meta(ctx context.Context, reader *user.User, id int64) (*Document, error) {
	if reader == nil {
		return nil, errNotFound
	}
	var d Document
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND deleted_at IS NULL", id).Take(&d).Error; err != nil {
			return err
		}
		if d.OwnerID == reader.ID {
			return nil
		}
		ok, err := s.scope(context.WithValue(ctx, describing{}, true), tx, reader, &d)
		if err != nil {
			return err
		}
		if !ok {
			return errNotFound
		}
		return nil
	})
	if err != nil {
		if s.refused != nil {
			s.refused(ctx, err)
		}
		return nil, wrap(err, "document metadata")
	}
	return &d, nil
}

// describing marks the context of a scope check made for Meta: the reader
// sees what a document is, not what it says, and the disclosure log (a
// scope of the privacy package wraps the document's) says so.
type describing struct{}

// Describing reports whether ctx is Meta's: a read of the document's
// details rather than an opening of its file.
func Describing(ctx context.Context) bool {
	v, _ := ctx.Value(describing{}).(bool)
	return v
}
