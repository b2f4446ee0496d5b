package document

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/catalog"
	"portal/internal/storage"
)

// File is an upload as it arrives: the name and Content-Type the client
// sent, neither of them trusted, and the body, read once.
type File struct {
	Name         string
	DeclaredType string
	Body         io.Reader
}

// Received is a file that passed every check and is in the storage, not yet
// in anyone's wallet. Add or Replace takes it over; a caller that gives up
// before calling either must Discard it.
type Received struct {
	storage.Object
	Name      string
	MediaType string
}

// Receive checks an upload while streaming it into the storage: the first
// bytes decide the format before anything is stored, the size is counted
// against the limit as the bytes pass (a file over the limit is refused
// without reading the rest), and the end is checked when it arrives. Memory
// use is the same for every file, whatever its size. On any refusal nothing
// is left in the storage.
func (s *Service) Receive(ctx context.Context, f File) (*Received, error) {
	body := &counter{r: f.Body, max: s.max}
	head := make([]byte, min(headSize, s.max+1))
	n, err := io.ReadFull(body, head)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF: // a file shorter than the head
		head = head[:n]
	case err != nil:
		return nil, s.readFailed(err)
	}
	c, err := inspect(head, f.Name, f.DeclaredType)
	if err != nil {
		return nil, err
	}
	obj, err := s.store.Put(ctx, &checker{head: head, rest: body, format: c.Format})
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, s.readFailed(err)
	}
	return &Received{Object: obj, Name: c.Name, MediaType: c.Format.MediaType}, nil
}

// readFailed codes a failed upload: too large, the client's fault (the
// body broke off), or ours (the storage failed).
func (s *Service) readFailed(err error) error {
	var re readError
	switch {
	case errors.Is(err, ErrTooLarge):
		e := fileErr("wallet.err.too_large", SizeLabel(s.max))
		e.Err = ErrTooLarge
		return e
	case errors.As(err, &re):
		e := fileErr("wallet.err.interrupted")
		e.Err = err
		return e
	}
	return apperr.Internalf("store upload: %w", err)
}

// Discard removes a received file that will not be added.
func (s *Service) Discard(ctx context.Context, r *Received) {
	if r != nil {
		s.forget(ctx, r.Key)
	}
}

// counter passes a body through, counting it, and fails as soon as it
// passes max bytes.
type counter struct {
	r      io.Reader
	n, max int64
}

// readError is a failure of the client's body, as opposed to the storage.
type readError struct{ err error }

func (e readError) Error() string { return "read upload: " + e.err.Error() }
func (e readError) Unwrap() error { return e.err }

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		return 0, ErrTooLarge
	}
	if err != nil && err != io.EOF {
		return n, readError{err}
	}
	return n, err
}

// checker is what the storage reads: the inspected head, then the rest of
// the body, keeping the last bytes so that at the end it can check the
// tail. A tail that fails turns the end of the file into an error, so the
// storage drops the file instead of keeping it.
type checker struct {
	head   []byte
	rest   io.Reader
	format Format
	tail   [tailSize]byte
	n      int // bytes of tail in use
}

func (c *checker) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		c.keep(p[:n])
		return n, nil
	}
	n, err := c.rest.Read(p)
	c.keep(p[:n])
	if err == io.EOF {
		if terr := checkTail(c.format, c.tail[:c.n]); terr != nil {
			return n, terr
		}
	}
	return n, err
}

func (c *checker) keep(p []byte) {
	if len(p) >= tailSize {
		c.n = copy(c.tail[:], p[len(p)-tailSize:])
		return
	}
	keep := min(c.n, tailSize-len(p))
	copy(c.tail[:keep], c.tail[c.n-keep:c.n])
	c.n = keep + copy(c.tail[keep:], p)
}

// Input is the form that comes with an upload: the document type (fixed
// when replacing) and its expiry date, as typed.
type Input struct {
	Type      string
	ExpiresOn string // YYYY-MM-DD or empty
}

// Check validates in as the form of a new document, for showing its
// messages next to those about the file when the file was refused.
func (s *Service) Check(in Input) error {
	_, _, f := s.check(in)
	return f.Err()
}

func (s *Service) check(in Input) (string, *time.Time, apperr.Fields) {
	f := apperr.Fields{}
	typ := strings.TrimSpace(in.Type)
	switch {
	case typ == "":
		f.Add("type", "form.required")
	case !contains(Types(), typ):
		f.Add("type", "form.not_a_choice")
	}
	raw := strings.TrimSpace(in.ExpiresOn)
	if raw == "" {
		if ExpiryRequired(typ) {
			f.Add("expires_on", "wallet.err.expiry_required")
		}
		return typ, nil, f
	}
	if typ != "" && !HasExpiry(typ) {
		f.Add("expires_on", "wallet.err.expiry_not_applicable")
		return typ, nil, f
	}
	d, ok := catalog.Date(raw)
	today := s.today()
	switch {
	case !ok:
		f.Add("expires_on", "form.date")
	case d.Before(today):
		f.Add("expires_on", "wallet.err.expiry_past")
	case d.After(today.AddDate(30, 0, 0)):
		f.Add("expires_on", "wallet.err.expiry_far")
	}
	return typ, &d, f
}

// Add puts a received file into owner's wallet as a new document. The same
// file uploaded again as the same type (a double click, two tabs, two
// uploads at once) is not added twice: the existing document is returned
// with duplicate set, and the new copy is removed from the storage.
// Uploads of one owner take turns on a lock of their user row, so two
// identical uploads at once cannot both miss each other.
func (s *Service) Add(ctx context.Context, owner int64, in Input, r *Received, m audit.Meta) (doc *Document, duplicate bool, err error) {
	typ, exp, f := s.check(in)
	if len(f) > 0 {
		s.Discard(ctx, r)
		return nil, false, f.Err()
	}
	now := s.now()
	d := Document{
		OwnerID: owner, Version: 1, Type: typ, StorageKey: r.Key, FileName: r.Name, MediaType: r.MediaType,
		Size: r.Size, SHA256: r.SHA256, ExpiresOn: exp, UploadedAt: now,
	}
	var dup Document
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Clauses(lockRow()).Table("users").Where("id = ?", owner).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return errNotFound
		}
		err := tx.Where("owner_id = ? AND type = ? AND sha256 = ? AND superseded_at IS NULL AND deleted_at IS NULL", owner, typ, r.SHA256).
			Take(&dup).Error
		if err == nil {
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if err := tx.Create(&d).Error; err != nil {
			return err
		}
		d.ChainID = d.ID
		if err := tx.Model(&d).Update("chain_id", d.ID).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &owner, ActionUploaded, m, map[string]any{"type": typ, "version": 1}).On("document", d.ID))
	})
	if err != nil || dup.ID != 0 {
		s.Discard(ctx, r)
	}
	if err != nil {
		return nil, false, wrap(err, "add document")
	}
	if dup.ID != 0 {
		return &dup, true, nil
	}
	return &d, false, nil
}

// Replace makes a received file the new version of owner's document id.
// The old version stays, downloadable, while an application or a rotation
// request refers to it; otherwise it is deleted with its file. Only the
// current version can be replaced, once: a second replace of the same
// version (another tab) is told the document changed.
func (s *Service) Replace(ctx context.Context, owner, id int64, in Input, r *Received, m audit.Meta) (*Document, error) {
	now := s.now()
	var next Document
	var release []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur Document
		if err := tx.Clauses(lockRow()).Where("id = ? AND owner_id = ? AND deleted_at IS NULL", id, owner).Take(&cur).Error; err != nil {
			return err
		}
		if cur.SupersededAt != nil {
			return apperr.New(apperr.Conflict, "wallet.err.already_replaced")
		}
		in.Type = cur.Type
		_, exp, f := s.check(in)
		if cur.SHA256 == r.SHA256 {
			f.Add("file", "wallet.err.same_file")
		}
		if len(f) > 0 {
			return f.Err()
		}
		res := tx.Model(&Document{}).Where("id = ? AND superseded_at IS NULL", cur.ID).Update("superseded_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.Conflict, "wallet.err.already_replaced")
		}
		next = Document{
			OwnerID: owner, ChainID: cur.ChainID, Version: cur.Version + 1, Type: cur.Type, StorageKey: r.Key,
			FileName: r.Name, MediaType: r.MediaType, Size: r.Size, SHA256: r.SHA256, ExpiresOn: exp, UploadedAt: now,
		}
		if err := tx.Create(&next).Error; err != nil {
			return err
		}
		kept, err := referenced(tx, []int64{cur.ID})
		if err != nil {
			return err
		}
		if !kept {
			if err := tx.Model(&Document{}).Where("id = ?", cur.ID).Update("deleted_at", now).Error; err != nil {
				return err
			}
			release = append(release, cur.StorageKey)
		}
		return audit.Write(tx, audit.New(now, &owner, ActionReplaced, m, map[string]any{
			"type": cur.Type, "version": next.Version, "previous": cur.ID, "previous_kept": kept,
		}).On("document", next.ID))
	})
	if err != nil {
		s.Discard(ctx, r)
		return nil, wrap(err, "replace document")
	}
	s.forget(ctx, release...)
	return &next, nil
}
