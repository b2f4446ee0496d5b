package host

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/document"
	"portal/internal/letter"
	"portal/internal/privacy"
)

// disclose writes one entry of the student's disclosure log for what the
// host of d did, through tx.
func (s *Service) disclose(tx *gorm.DB, d *Dossier, action, object, basis string) error {
	return privacy.Disclose(tx, privacy.Disclosure{PersonID: d.OwnerID, Actor: d.Actor, Action: action,
		Object: object, Basis: basis, At: s.clock()})
}

// dossierObject names a dossier and the documents it shows in the log.
func dossierObject(d *Dossier) string {
	out := "dossier " + d.Ref
	for i, doc := range d.Documents {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		out += sep + privacy.DocLabel(&doc)
	}
	return out
}

// basisOf is why a host may see doc: a health document on the student's
// consent, any other on the nomination they shared it for.
func basisOf(doc *document.Document) string {
	if privacy.IsHealth(doc.Type) {
		return "consent"
	}
	return "nomination"
}

// Dossier is what a host sees of one nominee, through its link.
type Dossier struct {
	ApplicationID    int64
	Ref              string
	Version          int // the version the answer form carries
	Rank             int
	Contact          string
	Lang             string
	ExpiresAt        time.Time
	NameLatin        string // the student's names in both scripts; the account's name when they gave none
	NameNative       string
	Institution      string
	InstitutionLocal string
	ElectiveEN       string
	ElectiveZH       string
	StartsOn         time.Time
	EndsOn           time.Time
	Statement        string
	Documents        []document.Document // the current versions of what the student shared with this host
	// Withheld are shared health documents whose consent to this host was
	// revoked: not shown, and a download of one is refused and logged.
	Withheld      []document.Document
	InstitutionID int64
	OwnerID       int64
	Actor         string        // the host contact as the disclosure log names them
	Verification  *Verification // nil until the office verified
}

// Dossier opens the dossier of token; a link that no longer answers is
// refused with its reason (Err* keys) and shows nothing.
func (s *Service) Dossier(ctx context.Context, token string) (*Dossier, error) {
	var d *Dossier
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		l, a, err := s.open(tx, token, s.clock())
		if err != nil {
			return err
		}
		if d, err = dossierOf(tx, l, a); err != nil {
			return err
		}
		// Every opening is a transfer of the student's records to the host.
		return s.disclose(tx, d, "dossier.opened", dossierObject(d), "nomination")
	})
	return d, wrap(err, "open dossier")
}

func dossierOf(tx *gorm.DB, l *Link, a *application.Application) (*Dossier, error) {
	d := &Dossier{ApplicationID: a.ID, Ref: a.Ref(), Version: a.Version, Rank: l.ChoiceRank, Contact: l.ContactName,
		Lang: l.Lang, ExpiresAt: l.ExpiresAt, Statement: a.Statement}
	var row struct {
		InstitutionID     int64
		NameEN, NameLocal string
		TitleEN, TitleZH  string
		StartsOn, EndsOn  time.Time
		Applicant         string
	}
	err := tx.Table("application_choices c").
		Select("i.id AS institution_id, i.name_en, i.name_local, e.title_en, e.title_zh, p.starts_on, p.ends_on, u.name AS applicant").
		Joins("JOIN electives e ON e.id = c.elective_id").
		Joins("JOIN institutions i ON i.id = e.institution_id").
		Joins("JOIN periods p ON p.id = c.period_id").
		Joins("JOIN users u ON u.id = ?", a.ApplicantID).
		Where("c.application_id = ? AND c.rank = ?", a.ID, l.ChoiceRank).Take(&row).Error
	if err != nil {
		return nil, err
	}
	d.Institution, d.InstitutionLocal, d.ElectiveEN, d.ElectiveZH = row.NameEN, row.NameLocal, row.TitleEN, row.TitleZH
	d.StartsOn, d.EndsOn, d.NameLatin = row.StartsOn, row.EndsOn, row.Applicant
	var p Profile
	if err := tx.Where("application_id = ?", a.ID).Limit(1).Find(&p).Error; err != nil {
		return nil, err
	}
	if p.NameLatin != "" {
		d.NameLatin, d.NameNative = p.NameLatin, p.NameNative
	}
	d.InstitutionID, d.OwnerID = row.InstitutionID, a.ApplicantID
	d.Actor = fmt.Sprintf("%s <%s> (host: %s)", l.ContactName, l.ContactEmail, row.NameEN)
	var shared []document.Document
	err = tx.Where("owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", a.ApplicantID).
		Where("chain_id IN (SELECT document_chain FROM host_consents WHERE application_id = ? AND institution_id = ?)", a.ID, row.InstitutionID).
		Order("type, id").Find(&shared).Error
	if err != nil {
		return nil, err
	}
	for _, doc := range shared {
		ok, err := privacy.HostMay(tx, doc.ChainID, doc.Type, row.InstitutionID)
		if err != nil {
			return nil, err
		}
		if ok {
			d.Documents = append(d.Documents, doc)
		} else {
			d.Withheld = append(d.Withheld, doc)
		}
	}
	var v Verification
	if err := tx.Where("application_id = ?", a.ID).Limit(1).Find(&v).Error; err != nil {
		return nil, err
	}
	if v.ApplicationID != 0 {
		d.Verification = &v
	}
	return d, nil
}

// Document returns one shared document of the dossier and its bytes;
// anything the student did not share with this host is not found.
func (s *Service) Document(ctx context.Context, d *Dossier, id int64) (*document.Document, io.ReadCloser, error) {
	for i := range d.Documents {
		if d.Documents[i].ID == id {
			doc := &d.Documents[i]
			if err := s.disclose(s.db.WithContext(ctx), d, "document.opened", privacy.DocLabel(doc), basisOf(doc)); err != nil {
				return nil, nil, err
			}
			r, err := s.files.Open(ctx, doc.StorageKey)
			if err != nil {
				return nil, nil, wrap(err, "open shared document")
			}
			return doc, r, nil
		}
	}
	for i := range d.Withheld {
		if doc := &d.Withheld[i]; doc.ID == id {
			// The consent to this host was revoked: refused, and logged.
			if err := s.disclose(s.db.WithContext(context.WithoutCancel(ctx)), d, "document.refused", privacy.DocLabel(doc), "consent_revoked"); err != nil {
				return nil, nil, err
			}
			return nil, nil, apperr.New(apperr.Forbidden, "privacy.error.consent_revoked")
		}
	}
	return nil, nil, wrap(gorm.ErrRecordNotFound, "")
}

// Cover is the dossier's wording in the two languages of its cover: the
// host contact's and English (or Traditional Chinese for an English
// reader), filled by the caller from the translations.
type Cover = letter.DossierText

// PDF is the dossier as one file: the cover and the facts, then every
// shared document, PDFs page by page and images a page each.
func (s *Service) PDF(ctx context.Context, d *Dossier, cover Cover) ([]byte, error) {
	var parts []letter.Attachment
	for _, doc := range d.Documents {
		b, err := s.read(ctx, doc)
		if err != nil {
			return nil, err
		}
		parts = append(parts, letter.Attachment{Name: doc.FileName, MediaType: doc.MediaType, Data: b})
	}
	out, err := s.fonts.DossierPDF(cover, parts)
	if err != nil {
		return nil, wrap(err, "dossier pdf")
	}
	return out, nil
}

// ZIP is the dossier's PDF and the shared documents as they were uploaded.
func (s *Service) ZIP(ctx context.Context, d *Dossier, pdf []byte, w io.Writer) error {
	z := zip.NewWriter(w)
	add := func(name string, b []byte) error {
		f, err := z.Create(name)
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		return err
	}
	if err := add(d.Ref+"-dossier.pdf", pdf); err != nil {
		return wrap(err, "dossier zip")
	}
	for i, doc := range d.Documents {
		b, err := s.read(ctx, doc)
		if err != nil {
			return err
		}
		if err := add(fmt.Sprintf("%02d-%s", i+1, doc.FileName), b); err != nil {
			return wrap(err, "dossier zip")
		}
	}
	return wrap(z.Close(), "dossier zip")
}

func (s *Service) read(ctx context.Context, doc document.Document) ([]byte, error) {
	r, err := s.files.Open(ctx, doc.StorageKey)
	if err != nil {
		return nil, wrap(err, "open shared document")
	}
	defer r.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return nil, wrap(err, "read shared document")
	}
	return b.Bytes(), nil
}
