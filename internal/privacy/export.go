package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/document"
	"portal/internal/user"
)

// Export is everything the portal holds about one person (PDPA Art. 3,
// GDPR Art. 15 and 20, FERPA 99.10), as the JSON file of the export ZIP.
// Other people appear only by role (who moved an application) or, in the
// disclosure log, as the recipients the law says the person may know.
type Export struct {
	Generated     time.Time        `json:"generated"`
	Profile       map[string]any   `json:"profile"`
	Incoming      []map[string]any `json:"incoming_profile"`
	Applications  []map[string]any `json:"applications"`
	Rotations     []map[string]any `json:"rotation_requests"`
	Documents     []map[string]any `json:"documents"`
	Notifications []map[string]any `json:"notifications"`
	Notices       []map[string]any `json:"notices_acknowledged"`
	Consents      []map[string]any `json:"consents"`
	Requests      []map[string]any `json:"requests"`
	Disclosures   []map[string]any `json:"disclosure_log"`
}

// rows reads query into maps: the export holds every column, so a column
// added later is exported without anyone remembering to.
func rows(tx *gorm.DB, query string, args ...any) ([]map[string]any, error) {
	out := []map[string]any{}
	err := tx.Raw(query, args...).Scan(&out).Error
	for _, m := range out {
		for k, v := range m {
			if b, ok := v.([]byte); ok {
				m[k] = string(b)
			}
		}
	}
	return out, err
}

// Collect gathers u's export. The applications carry their choices and
// the review events the applicant sees (internal notes are the office's
// working papers, not the applicant's record); the actors appear by role.
func (s *Service) Collect(ctx context.Context, u *user.User) (*Export, []document.Document, error) {
	x := &Export{Generated: s.now().UTC()}
	var docs []document.Document
	db := s.db.WithContext(ctx)
	err := func() error {
		p, err := rows(db, `SELECT id, issuer, subject, email, name, locale, student_number, year_of_study, created_at, updated_at, last_login_at FROM users WHERE id = ?`, u.ID)
		if err != nil || len(p) == 0 {
			return fmt.Errorf("profile: %w", err)
		}
		x.Profile = p[0]
		if x.Incoming, err = rows(db, `SELECT * FROM incoming_profiles WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if x.Applications, err = rows(db, `SELECT id, direction, status, statement, specialty, current_choice, report, offer_expires_at, stage_since,
			submitted_at, approved_at, nominated_at, decided_at, confirmed_at, completed_at, closed_at, created_at, updated_at
			FROM applications WHERE applicant_id = ? ORDER BY id`, u.ID); err != nil {
			return err
		}
		for _, a := range x.Applications {
			if a["choices"], err = rows(db, `SELECT c.rank, c.elective_id, e.title_en AS elective, c.period_id, p.starts_on, p.ends_on, c.host_decision
				FROM application_choices c JOIN electives e ON e.id = c.elective_id JOIN periods p ON p.id = c.period_id
				WHERE c.application_id = ? ORDER BY c.rank`, a["id"]); err != nil {
				return err
			}
			if a["events"], err = rows(db, `SELECT role, from_stage, to_stage, action, choice, comment, at FROM review_events
				WHERE application_id = ? AND internal = ? ORDER BY id`, a["id"], false); err != nil {
				return err
			}
		}
		if x.Rotations, err = rows(db, `SELECT id, status, statement, accepted_choice, arrival_on, visa_letter, housing, stage_since,
			submitted_at, decided_at, confirmed_at, completed_at, closed_at, created_at, updated_at
			FROM rotation_requests WHERE applicant_id = ? ORDER BY id`, u.ID); err != nil {
			return err
		}
		for _, r := range x.Rotations {
			if r["choices"], err = rows(db, `SELECT rank, department_id, starts_on, weeks FROM rotation_choices WHERE request_id = ? ORDER BY rank`, r["id"]); err != nil {
				return err
			}
			if r["events"], err = rows(db, `SELECT role, from_stage, to_stage, action, choice, comment, at FROM rotation_events
				WHERE request_id = ? ORDER BY id`, r["id"]); err != nil {
				return err
			}
		}
		if err = db.Where("owner_id = ? AND deleted_at IS NULL", u.ID).Order("id").Find(&docs).Error; err != nil {
			return err
		}
		for _, d := range docs {
			x.Documents = append(x.Documents, map[string]any{"id": d.ID, "type": d.Type, "version": d.Version, "file_name": d.FileName,
				"media_type": d.MediaType, "size": d.Size, "sha256": d.SHA256, "expires_on": d.ExpiresOn, "uploaded_at": d.UploadedAt,
				"superseded_at": d.SupersededAt, "file": docPath(d)})
		}
		if x.Notifications, err = rows(db, `SELECT kind, title_key, data, link, created_at, read_at FROM notifications WHERE user_id = ? ORDER BY id`, u.ID); err != nil {
			return err
		}
		if x.Notices, err = rows(db, `SELECT notice, version, acknowledged_at FROM privacy_notice_acks WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if x.Consents, err = rows(db, `SELECT chain_id, recipient, notice_version, granted_at, revoked_at FROM privacy_consents WHERE person_id = ? ORDER BY id`, u.ID); err != nil {
			return err
		}
		if x.Requests, err = rows(db, `SELECT id, kind, detail, regimes, received_at, due_at, status, answer, answered_at FROM privacy_requests WHERE person_id = ? ORDER BY id`, u.ID); err != nil {
			return err
		}
		x.Disclosures, err = rows(db, `SELECT actor, action, object, basis, at FROM privacy_disclosures WHERE person_id = ? ORDER BY id`, u.ID)
		return err
	}()
	if err != nil {
		return nil, nil, apperr.Internalf("collect export of %d: %w", u.ID, err)
	}
	return x, docs, nil
}

func docPath(d document.Document) string {
	return path.Join("documents", fmt.Sprintf("%d-v%d-%s", d.ChainID, d.Version, d.FileName))
}

// WriteExport writes u's export as a ZIP to w: data.json and every
// document version they hold under documents/. The export is recorded (the
// audit log and the person's disclosure log) before the first byte.
func (s *Service) WriteExport(ctx context.Context, u *user.User, w io.Writer, m audit.Meta) error {
	x, docs, err := s.Collect(ctx, u)
	if err != nil {
		return err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := audit.Write(tx, audit.New(s.now(), &u.ID, ActionExported, m, map[string]any{"documents": len(docs)}).On("user", u.ID)); err != nil {
			return err
		}
		return Disclose(tx, Disclosure{PersonID: u.ID, ActorID: &u.ID, Actor: ActorLabel(u), Action: "export",
			Object: fmt.Sprintf("data.json + %d documents", len(docs)), Basis: "request", At: s.now()})
	})
	if err != nil {
		return wrap(err, "record export")
	}
	z := zip.NewWriter(w)
	f, err := z.Create("data.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return err
	}
	for _, d := range docs {
		if err := s.copyDoc(ctx, z, d); err != nil {
			return err
		}
	}
	return z.Close()
}

func (s *Service) copyDoc(ctx context.Context, z *zip.Writer, d document.Document) error {
	rc, err := s.store.Open(ctx, d.StorageKey)
	if err != nil {
		return apperr.Internalf("open document %d for export: %w", d.ID, err)
	}
	defer rc.Close()
	// PDFs and images are compressed already: stored, not deflated again.
	f, err := z.CreateHeader(&zip.FileHeader{Name: docPath(d), Method: zip.Store, Modified: d.UploadedAt})
	if err != nil {
		return err
	}
	_, err = io.Copy(f, rc)
	return err
}
