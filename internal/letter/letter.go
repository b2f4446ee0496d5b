// Package letter issues the PDF letters an incoming student shows a visa
// office or their home school (an acceptance letter, a certificate of
// completion) and checks their verification codes. Each letter is recorded
// as issued, so that anyone holding a printout can confirm it is genuine.
package letter

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/i18n"
)

// Kind is what a letter certifies.
type Kind string

// The letters the portal issues.
const (
	KindAcceptance Kind = "acceptance" // accepted for a rotation
	KindCompletion Kind = "completion" // completed a rotation
	// KindVisa supports the visa application of an accepted applicant who
	// asked for it: the acceptance's facts with the passport identity.
	KindVisa Kind = "visa"
)

// Valid reports whether k is a kind the portal issues.
func (k Kind) Valid() bool { return k == KindAcceptance || k == KindCompletion || k == KindVisa }

// Subject is what a letter certifies about whom: the facts printed on it.
type Subject struct {
	RequestID, HolderID                                                int64
	NameLatin, NameNative, HomeInstitution, DepartmentEN, DepartmentZH string
	StartsOn, EndsOn                                                   time.Time
	// The passport identity, which only a visa support letter prints:
	// the names as the passport writes them, ISO 3166-1 nationality.
	GivenNames, FamilyName, Nationality, PassportNumber string
	BirthDate                                           time.Time
}

// Letter is one issued letter as recorded.
type Letter struct {
	ID           int64
	Code         string // normalized: 16 Crockford base32 characters, no dashes
	Kind         Kind
	Seq          int // 1 for the first letter of its request and kind
	Subject      Subject
	IssuedAt     time.Time
	SupersededAt *time.Time // set when a later letter replaced this one
}

// DisplayCode is the code as printed and typed: XXXX-XXXX-XXXX-XXXX.
func (l *Letter) DisplayCode() string { return FormatCode(l.Code) }

// Options configure the service.
type Options struct {
	Now     func() time.Time // the clock; time.Now when nil
	BaseURL string           // public URL of the portal, printed with the code
	I18n    *i18n.Bundle     // the letters' text, in locales/*/letter.json
	// Zone is the portal's time zone: a letter is dated with the day it
	// was issued there. UTC when zero; the portal passes PORTAL_TIME_ZONE.
	Zone clock.Zone
	// Fonts, shared with the hosts' dossiers; fonts of its own when nil.
	Fonts *Fonts
}

// Service issues and verifies letters.
type Service struct {
	db  *db.DB
	o   Options
	pdf *renderer
}

// NewService returns the letter service over d.
func NewService(d *db.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Fonts == nil {
		o.Fonts = NewFonts()
	}
	return &Service{db: d, o: o, pdf: &o.Fonts.r}
}

// row is the letters table.
type row struct {
	ID              int64
	Code            string
	Kind            string
	RequestID       int64
	Seq             int
	HolderID        int64
	NameLatin       string
	NameNative      string
	HomeInstitution string
	DepartmentEN    string `gorm:"column:department_en"`
	DepartmentZH    string `gorm:"column:department_zh"`
	StartsOn        time.Time
	EndsOn          time.Time
	IssuedAt        time.Time
	SupersededAt    *time.Time
	GivenNames      string
	FamilyName      string
	Nationality     string
	BirthDate       *time.Time
	PassportNumber  string
}

func (row) TableName() string { return "letters" }

func (r row) letter() *Letter {
	l := &Letter{
		ID: r.ID, Code: r.Code, Kind: Kind(r.Kind), Seq: r.Seq,
		Subject: Subject{
			RequestID: r.RequestID, HolderID: r.HolderID,
			NameLatin: r.NameLatin, NameNative: r.NameNative, HomeInstitution: r.HomeInstitution,
			DepartmentEN: r.DepartmentEN, DepartmentZH: r.DepartmentZH,
			StartsOn: day(r.StartsOn), EndsOn: day(r.EndsOn),
			GivenNames: r.GivenNames, FamilyName: r.FamilyName, Nationality: r.Nationality, PassportNumber: r.PassportNumber,
		},
		IssuedAt: r.IssuedAt, SupersededAt: r.SupersededAt,
	}
	if r.BirthDate != nil {
		l.Subject.BirthDate = day(*r.BirthDate)
	}
	return l
}

// same reports whether the letter r certifies exactly what subj says.
func (r row) same(subj Subject) bool {
	return r.HolderID == subj.HolderID && r.NameLatin == subj.NameLatin && r.NameNative == subj.NameNative &&
		r.HomeInstitution == subj.HomeInstitution && r.DepartmentEN == subj.DepartmentEN &&
		r.DepartmentZH == subj.DepartmentZH && day(r.StartsOn).Equal(subj.StartsOn) && day(r.EndsOn).Equal(subj.EndsOn) &&
		r.GivenNames == subj.GivenNames && r.FamilyName == subj.FamilyName && r.Nationality == subj.Nationality &&
		r.PassportNumber == subj.PassportNumber && r.letter().Subject.BirthDate.Equal(subj.BirthDate)
}

// Issue returns the letter of kind k for subj, with its PDF in lang. The
// caller has decided that subj's holder may have it. A request has one
// current letter per kind: asking again for the same facts returns the same
// letter and code (the PDF is the same but for its language); asking with
// changed facts issues a new letter and marks the old one superseded.
func (s *Service) Issue(ctx context.Context, k Kind, subj Subject, lang i18n.Lang) (*Letter, []byte, error) {
	return s.IssueBy(ctx, nil, k, subj, lang)
}

// Issuer is who asked for a letter and from where, for the audit log.
type Issuer struct {
	UserID int64
	Meta   audit.Meta
}

// ActionIssued is the audit action of a letter handed out: a new one, or
// the current one again.
const ActionIssued = "letter.issued"

// IssueBy is Issue on behalf of by, who is audited in the same transaction
// as the letter's record: a letter printed with someone's passport number
// says who had it printed. A nil by audits nothing (seeding, tests).
func (s *Service) IssueBy(ctx context.Context, by *Issuer, k Kind, subj Subject, lang i18n.Lang) (*Letter, []byte, error) {
	subj, err := clean(k, subj)
	if err != nil {
		return nil, nil, err
	}
	var l *Letter
	// Two first issues at once both insert seq 1; the loser's unique index
	// violation is retried and then finds the winner's letter.
	for attempt := 0; ; attempt++ {
		l, err = s.issue(ctx, k, subj, by)
		if errors.Is(err, gorm.ErrDuplicatedKey) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, nil, apperr.Or(err, "issue letter")
		}
		break
	}
	pdf, err := s.pdf.render(s.text(l, lang))
	if err != nil {
		return nil, nil, apperr.Internalf("render letter %d: %w", l.ID, err)
	}
	return l, pdf, nil
}

func (s *Service) issue(ctx context.Context, k Kind, subj Subject, by *Issuer) (*Letter, error) {
	var out *Letter
	now := s.o.Now().UTC()
	audited := func(tx *gorm.DB, l *Letter, fresh bool) error {
		if by == nil {
			return nil
		}
		return audit.Write(tx, audit.New(now, &by.UserID, ActionIssued, by.Meta, map[string]any{
			"kind": string(l.Kind), "seq": l.Seq, "new": fresh}).On("rotation_request", l.Subject.RequestID))
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var last []row
		if err := tx.Clauses(db.ForUpdate()).Where("request_id = ? AND kind = ?", subj.RequestID, string(k)).
			Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		seq := 1
		if len(last) == 1 {
			if last[0].SupersededAt != nil {
				// PostgreSQL: a concurrent issue replaced the row we waited
				// for; its successor is not visible to this statement.
				return gorm.ErrDuplicatedKey
			}
			if last[0].same(subj) {
				out = last[0].letter()
				return audited(tx, out, false)
			}
			seq = last[0].Seq + 1
		}
		r := row{
			Code: newCode(), Kind: string(k), RequestID: subj.RequestID, Seq: seq, HolderID: subj.HolderID,
			NameLatin: subj.NameLatin, NameNative: subj.NameNative, HomeInstitution: subj.HomeInstitution,
			DepartmentEN: subj.DepartmentEN, DepartmentZH: subj.DepartmentZH,
			StartsOn: subj.StartsOn, EndsOn: subj.EndsOn, IssuedAt: now,
			GivenNames: subj.GivenNames, FamilyName: subj.FamilyName, Nationality: subj.Nationality,
			PassportNumber: subj.PassportNumber,
		}
		if !subj.BirthDate.IsZero() {
			r.BirthDate = &subj.BirthDate
		}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if len(last) == 1 {
			if err := tx.Model(&row{}).Where("id = ?", last[0].ID).Update("superseded_at", now).Error; err != nil {
				return err
			}
		}
		out = r.letter()
		return audited(tx, out, true)
	})
	return out, err
}

// clean trims the subject and refuses one that cannot make a letter: a
// caller's bug, since the rotation workflow supplies these facts.
func clean(k Kind, subj Subject) (Subject, error) {
	for _, f := range []*string{&subj.NameLatin, &subj.NameNative, &subj.HomeInstitution, &subj.DepartmentEN, &subj.DepartmentZH,
		&subj.GivenNames, &subj.FamilyName, &subj.Nationality, &subj.PassportNumber} {
		*f = strings.TrimSpace(*f)
	}
	subj.StartsOn, subj.EndsOn, subj.BirthDate = day(subj.StartsOn), day(subj.EndsOn), day(subj.BirthDate)
	if k != KindVisa {
		// Only a visa letter prints (and records) the passport identity.
		subj.GivenNames, subj.FamilyName, subj.Nationality, subj.PassportNumber, subj.BirthDate = "", "", "", "", time.Time{}
	}
	switch {
	case !k.Valid():
		return subj, apperr.Internalf("letter: unknown kind %q", k)
	case subj.RequestID <= 0 || subj.HolderID <= 0:
		return subj, apperr.Internalf("letter: request %d, holder %d", subj.RequestID, subj.HolderID)
	case subj.NameLatin == "" && subj.NameNative == "", subj.DepartmentEN == "":
		return subj, apperr.Internalf("letter: request %d lacks a name or department", subj.RequestID)
	case subj.StartsOn.IsZero() || subj.EndsOn.Before(subj.StartsOn):
		return subj, apperr.Internalf("letter: request %d has dates %v..%v", subj.RequestID, subj.StartsOn, subj.EndsOn)
	case k == KindVisa && (subj.FamilyName == "" || subj.Nationality == "" || subj.PassportNumber == "" || subj.BirthDate.IsZero()):
		return subj, apperr.Internalf("letter: the visa letter of request %d lacks a passport fact", subj.RequestID)
	}
	return subj, nil
}

// Verify finds the letter with code, typed as printed or sloppily (any
// case, spaces, dashes, O for 0, I or L for 1). An unknown or malformed
// code is NotFound, with the same message either way.
func (s *Service) Verify(ctx context.Context, code string) (*Letter, error) {
	c, ok := NormalizeCode(code)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "letter.verify.unknown")
	}
	var rows []row
	if err := s.db.WithContext(ctx).Where("code = ?", c).Limit(1).Find(&rows).Error; err != nil {
		return nil, apperr.Internalf("verify letter: %w", err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "letter.verify.unknown")
	}
	return rows[0].letter(), nil
}

// VerifyURL is where the letter with code can be checked.
func (s *Service) VerifyURL(code string) string {
	return s.o.BaseURL + "/verify?code=" + FormatCode(code)
}

// The code alphabet is Crockford's base32: no I, L, O or U, so that what is
// read off paper is typed back right.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// codeLen characters of 5 bits each: 80 random bits, beyond guessing.
const codeLen = 16

func newCode() string {
	b := make([]byte, codeLen)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b)
}

// NormalizeCode turns a typed code into its stored form, reporting whether
// it can be a code at all.
func NormalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		case !strings.ContainsRune(alphabet, r):
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != codeLen {
		return "", false
	}
	return b.String(), true
}

// FormatCode groups a normalized code in fours for printing.
func FormatCode(c string) string {
	var b strings.Builder
	for i := 0; i < len(c); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(c[i:min(i+4, len(c))])
	}
	return b.String()
}

// day is t's calendar date at midnight UTC, as DATE columns hold it.
func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
