package document

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/user"
)

// Entry is a document as its owner's wallet shows it: the current version,
// the older versions kept because applications refer to them, and the
// applications that refer to any version.
type Entry struct {
	Document
	Older      []Document // newest first
	AttachedTo []int64    // application ids
}

// Wallet lists owner's documents, current versions by type order and
// newest first within a type, in two queries whatever their number.
func (s *Service) Wallet(ctx context.Context, owner int64) ([]Entry, error) {
	var all []Document
	if err := s.db.WithContext(ctx).Where("owner_id = ? AND deleted_at IS NULL", owner).
		Order("uploaded_at DESC, id DESC").Find(&all).Error; err != nil {
		return nil, wrap(err, "list wallet")
	}
	ids := make([]int64, len(all))
	for i, d := range all {
		ids[i] = d.ID
	}
	var links []attachment
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("document_id IN ?", ids).Order("application_id").Find(&links).Error; err != nil {
			return nil, wrap(err, "list attachments")
		}
	}
	chainOf := map[int64]int64{}
	for _, d := range all {
		chainOf[d.ID] = d.ChainID
	}
	apps := map[int64][]int64{} // chain -> applications
	for _, l := range links {
		c := chainOf[l.DocumentID]
		if !slices.Contains(apps[c], l.ApplicationID) {
			apps[c] = append(apps[c], l.ApplicationID)
		}
	}
	var out []Entry
	at := map[int64]int{} // chain -> index in out
	for _, d := range all {
		if d.SupersededAt == nil {
			at[d.ChainID] = len(out)
			out = append(out, Entry{Document: d, AttachedTo: apps[d.ChainID]})
		}
	}
	for _, d := range all {
		if i, ok := at[d.ChainID]; ok && d.SupersededAt != nil {
			out[i].Older = append(out[i].Older, d)
		}
	}
	order := map[string]int{}
	for i, t := range Types() {
		order[t] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Type] < order[out[j].Type] })
	return out, nil
}

// Find returns the current version of owner's document id; NotFound for
// anyone else's, an old version, or a deleted one.
func (s *Service) Find(ctx context.Context, owner, id int64) (*Document, error) {
	var d Document
	err := s.db.WithContext(ctx).Where("id = ? AND owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", id, owner).Take(&d).Error
	if err != nil {
		return nil, wrap(err, "find document")
	}
	return &d, nil
}

// Current returns owner's current documents, for checking requirements.
func (s *Service) Current(ctx context.Context, owner int64) ([]Document, error) {
	var out []Document
	err := s.db.WithContext(ctx).Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", owner).
		Order("id").Find(&out).Error
	return out, wrap(err, "current documents")
}

// attachedApplications lists the applications that refer to any of the
// document versions ids. Every attachment row counts, whatever the
// application's status (a draft's too).
func attachedApplications(tx *gorm.DB, ids []int64) ([]int64, error) {
	var apps []int64
	err := tx.Model(&attachment{}).Distinct("application_id").Where("document_id IN ?", ids).
		Order("application_id").Pluck("application_id", &apps).Error
	return apps, err
}

// attachedRequests lists the incoming rotation requests that refer to any
// of the document versions ids, whatever their stage, like
// attachedApplications.
func attachedRequests(tx *gorm.DB, ids []int64) ([]int64, error) {
	var reqs []int64
	err := tx.Table("rotation_request_documents").Distinct("request_id").Where("document_id IN ?", ids).
		Order("request_id").Pluck("request_id", &reqs).Error
	return reqs, err
}

// referenced reports whether an application or a rotation request refers
// to any of the document versions ids.
func referenced(tx *gorm.DB, ids []int64) (bool, error) {
	apps, err := attachedApplications(tx, ids)
	if err != nil || len(apps) > 0 {
		return len(apps) > 0, err
	}
	reqs, err := attachedRequests(tx, ids)
	return len(reqs) > 0, err
}

// unreferenced is the SQL condition on documents that neither an
// application nor a rotation request refers to the row.
const unreferenced = "NOT EXISTS (SELECT 1 FROM document_attachments a WHERE a.document_id = documents.id) AND " +
	"NOT EXISTS (SELECT 1 FROM rotation_request_documents r WHERE r.document_id = documents.id)"

// Delete removes owner's document id, every version of it, and their
// files. It is refused while an application or a rotation request refers
// to any version, with the message naming them. The rows stay, marked
// deleted, for the audit trail; the files go.
func (s *Service) Delete(ctx context.Context, owner, id int64, m audit.Meta) error {
	now := s.now()
	var release []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur Document
		if err := tx.Clauses(lockRow()).Where("id = ? AND owner_id = ? AND deleted_at IS NULL AND superseded_at IS NULL", id, owner).
			Take(&cur).Error; err != nil {
			return err
		}
		var versions []Document
		if err := tx.Where("chain_id = ? AND deleted_at IS NULL", cur.ChainID).Find(&versions).Error; err != nil {
			return err
		}
		ids := make([]int64, len(versions))
		for i, v := range versions {
			ids[i] = v.ID
			release = append(release, v.StorageKey)
		}
		apps, err := attachedApplications(tx, ids)
		if err != nil {
			return err
		}
		if len(apps) > 0 {
			return apperr.New(apperr.Conflict, "wallet.err.attached", ApplicationList(apps))
		}
		reqs, err := attachedRequests(tx, ids)
		if err != nil {
			return err
		}
		if len(reqs) > 0 {
			return apperr.New(apperr.Conflict, "wallet.err.attached_rotation", RequestList(reqs))
		}
		if err := tx.Model(&Document{}).Where("id IN ?", ids).Update("deleted_at", now).Error; err != nil {
			return err
		}
		return audit.Write(tx, audit.New(now, &owner, ActionDeleted, m, map[string]any{
			"type": cur.Type, "versions": len(ids), "file_name": cur.FileName,
		}).On("document", cur.ID))
	})
	if err != nil {
		return wrap(err, "delete document")
	}
	s.forget(ctx, release...)
	return nil
}

// ApplicationList names applications for a message: "#12, #15".
func ApplicationList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = "#" + strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// RequestList names rotation requests for a message as the rotation pages
// do (rotation.Ref, which this package cannot import): "R-0007, R-0012".
func RequestList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("R-%04d", id)
	}
	return strings.Join(parts, ", ")
}

// Open returns document id, any version not deleted, and its content for
// reader. The owner may open their documents; anyone else only through the
// Scope (an application in their scope that the document is attached to),
// and then the opening is recorded in the audit log, in the transaction
// that decides it, before a byte is served. To anyone else the document
// does not exist: the same NotFound as for an id that was never used.
func (s *Service) Open(ctx context.Context, reader *user.User, id int64, m audit.Meta) (*Document, io.ReadCloser, error) {
	if reader == nil {
		return nil, nil, errNotFound
	}
	var d Document
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND deleted_at IS NULL", id).Take(&d).Error; err != nil {
			return err
		}
		if d.OwnerID == reader.ID {
			return nil
		}
		ok, err := s.scope(ctx, tx, reader, &d)
		if err != nil {
			return err
		}
		if !ok {
			return errNotFound
		}
		roles := make([]string, len(reader.Roles))
		for i, r := range reader.Roles {
			roles[i] = string(r)
		}
		return audit.Write(tx, audit.New(s.now(), &reader.ID, ActionViewed, m, map[string]any{
			"owner_id": d.OwnerID, "type": d.Type, "version": d.Version, "roles": roles,
		}).On("document", d.ID))
	})
	if err != nil {
		if s.refused != nil {
			s.refused(ctx, err)
		}
		return nil, nil, wrap(err, "open document")
	}
	rc, err := s.store.Open(ctx, d.StorageKey)
	if err != nil {
		return nil, nil, apperr.Internalf("open stored document %d: %w", d.ID, err)
	}
	return &d, rc, nil
}

// Opening is one time someone other than the owner opened a document.
type Opening struct {
	At         time.Time
	ActorName  string
	ActorEmail string
	Roles      []user.Role // the roles the reader held then
	DocumentID int64
	Type       string
	FileName   string
	Version    int
}

// Openings lists who opened owner's documents, newest first, at most limit.
func (s *Service) Openings(ctx context.Context, owner int64, limit int) ([]Opening, error) {
	var rows []struct {
		At         time.Time
		ActorName  string
		ActorEmail string
		Detail     string
		DocumentID int64
		Type       string
		FileName   string
		Version    int
	}
	err := s.db.WithContext(ctx).Table("audit_events").
		Select("audit_events.at, COALESCE(users.name, '') AS actor_name, COALESCE(users.email, '') AS actor_email, "+
			"audit_events.detail, documents.id AS document_id, documents.type, documents.file_name, documents.version").
		Joins("JOIN documents ON audit_events.object_type = 'document' AND audit_events.object_id = CAST(documents.id AS TEXT)").
		Joins("LEFT JOIN users ON users.id = audit_events.actor_id").
		Where("audit_events.action = ? AND documents.owner_id = ?", ActionViewed, owner).
		Order("audit_events.id DESC").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "list openings")
	}
	out := make([]Opening, len(rows))
	for i, r := range rows {
		var detail struct{ Roles []user.Role }
		_ = json.Unmarshal([]byte(r.Detail), &detail)
		out[i] = Opening{At: r.At, ActorName: r.ActorName, ActorEmail: r.ActorEmail, Roles: detail.Roles,
			DocumentID: r.DocumentID, Type: r.Type, FileName: r.FileName, Version: r.Version}
	}
	return out, nil
}

// PurgeSuperseded deletes the older versions that no application and no
// rotation request refers to any more, and their files. Replace deletes an unreferenced old version at
// once; this catches the versions whose last application let go of them
// later. It returns how many versions went.
func (s *Service) PurgeSuperseded(ctx context.Context) (int, error) {
	var old []Document
	err := s.db.WithContext(ctx).Where("superseded_at IS NOT NULL AND deleted_at IS NULL AND " + unreferenced).Find(&old).Error
	if err != nil {
		return 0, wrap(err, "find superseded versions")
	}
	n := 0
	for _, d := range old {
		// Re-checked row by row: an application or a request may attach it meanwhile.
		res := s.db.WithContext(ctx).Model(&Document{}).Where("id = ? AND deleted_at IS NULL AND "+unreferenced, d.ID).
			Update("deleted_at", s.now())
		if res.Error != nil {
			return n, wrap(res.Error, "purge superseded version")
		}
		if res.RowsAffected == 1 {
			s.forget(ctx, d.StorageKey)
			n++
		}
	}
	return n, nil
}

// SizeLabel writes a byte count for people: "10 MB", "820 KB", "12 bytes".
func SizeLabel(n int64) string {
	switch {
	case n >= 1<<20:
		v := float64(n) / (1 << 20)
		if v == float64(int64(v)) || v >= 10 {
			return fmt.Sprintf("%.0f MB", v)
		}
		return fmt.Sprintf("%.1f MB", v)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
