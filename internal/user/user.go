// Package user keeps the people who sign in: their identity at an issuer,
// their names and the roles they hold, from the identity provider's claims
// and from grants an admin makes in the portal.
package user

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
)

// Role is what a person may do in the portal.
type Role string

// The roles: who a person is to the portal. They come from the identity
// provider's claims (PORTAL_OIDC_ROLE_MAP in the README) or an admin's grant.
const (
	Student     Role = "student"     // a home student applying for electives abroad
	Incoming    Role = "incoming"    // a foreign student requesting a rotation here
	Reviewer    Role = "reviewer"    // a department reviewer, within their scope
	Office      Role = "office"      // the international office: sees everything
	Coordinator Role = "coordinator" // a home-hospital department's host coordinator
	Admin       Role = "admin"       // manages institutions, agreements, roles, settings
)

// Roles lists every role in display order.
var Roles = []Role{Student, Incoming, Reviewer, Office, Coordinator, Admin}

// RoleNames returns the role names as strings, for configuration checks.
func RoleNames() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = string(r)
	}
	return out
}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// User is a person known to the portal.
type User struct {
	ID          int64
	Issuer      string
	Subject     string
	Email       string
	Name        string
	Locale      string
	ClaimRoles  string // roles from the last sign-in's claims, comma separated
	CreatedAt   time.Time
	UpdatedAt   time.Time
	LastLoginAt *time.Time
	// StudentNumber and YearOfStudy are a home student's, from the
	// university provider's claims; nil for anyone it says nothing of.
	StudentNumber *string
	YearOfStudy   *int
	// ChosenLang is the language the person chose in the switch, "" when
	// none (SetLang); never written by a sign-in.
	ChosenLang string
	Roles      []Role `gorm:"-"` // claim roles and granted roles together
}

// Has reports whether u holds any of roles.
func (u *User) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

type grant struct {
	UserID    int64
	Role      string
	GrantedBy *int64
	GrantedAt time.Time
}

func (grant) TableName() string { return "user_roles" }

// Identity is what an identity provider says about a person at sign-in.
type Identity struct {
	Issuer, Subject, Email, Name, Locale string
	Roles                                []Role
	// StudentNumber and YearOfStudy (1 and up) are what the university's
	// provider says of a home student; "" and 0 when it says nothing,
	// which keeps what an earlier sign-in stored.
	StudentNumber string
	YearOfStudy   int
}

// Store reads and writes users.
type Store struct {
	db  *db.DB
	now func() time.Time
}

// Options are what a Store may be given besides its database.
type Options struct {
	Now func() time.Time // the clock of grants and revocations; time.Now when nil
}

// NewStore returns a Store on d with the wall clock.
func NewStore(d *db.DB) *Store { return NewStoreWith(d, Options{}) }

// NewStoreWith returns a Store on d with options o.
func NewStoreWith(d *db.DB, o Options) *Store {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{db: d, now: o.Now}
}

// SignIn finds the user of id by issuer and subject, or creates them, and
// keeps email, name and claim roles current. The subject is unique only
// within its issuer, so one provider can never sign in as another's user.
func (s *Store) SignIn(ctx context.Context, id Identity, now time.Time) (*User, error) {
	if id.Issuer == "" || id.Subject == "" {
		return nil, apperr.New(apperr.Invalid, "auth.refused.no_subject")
	}
	u := &User{
		Issuer: id.Issuer, Subject: id.Subject, Email: id.Email, Name: id.Name, Locale: id.Locale,
		ClaimRoles: joinRoles(id.Roles), CreatedAt: now, UpdatedAt: now, LastLoginAt: &now,
	}
	if n := strings.TrimSpace(id.StudentNumber); n != "" {
		u.StudentNumber = &n
	}
	if id.YearOfStudy > 0 {
		u.YearOfStudy = &id.YearOfStudy
	}
	update := clause.AssignmentColumns([]string{"email", "name", "locale", "claim_roles", "updated_at", "last_login_at"})
	// A sign-in whose claims leave the number or year out keeps what an
	// earlier one stored: a provider that sends them only sometimes (on
	// the first sign-in, from one of two directories) must not erase them.
	for _, col := range []string{"student_number", "year_of_study"} {
		update = append(update, clause.Assignment{Column: clause.Column{Name: col},
			Value: gorm.Expr("COALESCE(excluded." + col + ", users." + col + ")")})
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if u.StudentNumber != nil {
			// The provider is the authority on whose number it is: a
			// number it now gives this person is no longer anyone else's
			// (an account re-created at the provider under a new subject),
			// or the unique index would refuse this sign-in for good.
			if err := tx.Model(&User{}).Where("student_number = ? AND NOT (issuer = ? AND subject = ?)", *u.StudentNumber, id.Issuer, id.Subject).
				Update("student_number", nil).Error; err != nil {
				return err
			}
		}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "issuer"}, {Name: "subject"}},
			DoUpdates: update,
		}).Create(u).Error; err != nil {
			return err
		}
		// ON CONFLICT DO UPDATE does not return the id on every dialect.
		return tx.Where("issuer = ? AND subject = ?", id.Issuer, id.Subject).First(u).Error
	})
	if err != nil {
		return nil, apperr.Internalf("sign in user: %w", err)
	}
	return s.withRoles(ctx, u)
}

// Find returns the user with id and their roles in one query: it runs on
// every signed-in request.
func (s *Store) Find(ctx context.Context, id int64) (*User, error) {
	var row struct {
		User
		Granted string
	}
	err := s.db.WithContext(ctx).Model(&User{}).
		Select("users.*, COALESCE((SELECT string_agg(role, ',') FROM user_roles WHERE user_id = users.id), '') AS granted").
		Where("users.id = ?", id).Take(&row).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.New(apperr.NotFound, "error.not_found")
		}
		return nil, apperr.Internalf("find user: %w", err)
	}
	u := row.User
	u.Roles = mergeRoles(u.ClaimRoles, strings.Split(row.Granted, ","))
	return &u, nil
}

func (s *Store) withRoles(ctx context.Context, u *User) (*User, error) {
	var granted []string
	if err := s.db.WithContext(ctx).Model(&grant{}).Where("user_id = ?", u.ID).Pluck("role", &granted).Error; err != nil {
		return nil, apperr.Internalf("roles of user %d: %w", u.ID, err)
	}
	u.Roles = mergeRoles(u.ClaimRoles, granted)
	return u, nil
}

// Grant gives role to a user and audits it in the same transaction; by is
// the admin who granted it.
func (s *Store) Grant(ctx context.Context, userID int64, role Role, by int64, m audit.Meta) error {
	if _, ok := ParseRole(string(role)); !ok {
		return apperr.New(apperr.Invalid, "user.role.unknown", string(role))
	}
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := exists(tx, userID); err != nil {
			return err
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&grant{UserID: userID, Role: string(role), GrantedBy: &by, GrantedAt: now})
		if res.Error != nil {
			return apperr.Internalf("grant %s: %w", role, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // already granted: nothing changed, nothing to audit
		}
		return audit.Write(tx, audit.New(now, &by, audit.RoleGranted, m, map[string]any{"user_id": userID, "role": role}).On("user", userID))
	})
}

// Revoke takes a granted role back and audits it. Roles from claims stay
// until the next sign-in says otherwise.
func (s *Store) Revoke(ctx context.Context, userID int64, role Role, by int64, m audit.Meta) error {
	now := s.now()
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := exists(tx, userID); err != nil {
			return err
		}
		res := tx.Where("user_id = ? AND role = ?", userID, string(role)).Delete(&grant{})
		if res.Error != nil {
			return apperr.Internalf("revoke %s: %w", role, res.Error)
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Invalid, "user.role.not_granted")
		}
		return audit.Write(tx, audit.New(now, &by, audit.RoleRevoked, m, map[string]any{"user_id": userID, "role": role}).On("user", userID))
	})
}

func exists(tx *gorm.DB, userID int64) error {
	var n int64
	if err := tx.Model(&User{}).Where("id = ?", userID).Count(&n).Error; err != nil {
		return apperr.Internalf("find user: %w", err)
	}
	if n == 0 {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	return nil
}

// Listed is a user as the admin list shows them: granted roles apart from
// the roles that came with the last sign-in.
type Listed struct {
	User
	ClaimRoleList []Role
	Granted       []Role
}

// List returns up to limit users whose name or email contains q, newest
// first, in two queries whatever the number of users.
func (s *Store) List(ctx context.Context, q string, limit int) ([]Listed, error) {
	var users []User
	tx := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + strings.ToLower(q) + "%"
		tx = tx.Where("LOWER(name) LIKE ? OR LOWER(email) LIKE ?", like, like)
	}
	if err := tx.Find(&users).Error; err != nil {
		return nil, apperr.Internalf("list users: %w", err)
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	var grants []grant
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("user_id IN ?", ids).Find(&grants).Error; err != nil {
			return nil, apperr.Internalf("list grants: %w", err)
		}
	}
	byUser := map[int64][]string{}
	for _, g := range grants {
		byUser[g.UserID] = append(byUser[g.UserID], g.Role)
	}
	out := make([]Listed, len(users))
	for i, u := range users {
		u.Roles = mergeRoles(u.ClaimRoles, byUser[u.ID])
		out[i] = Listed{User: u, ClaimRoleList: mergeRoles(u.ClaimRoles, nil), Granted: mergeRoles("", byUser[u.ID])}
	}
	return out, nil
}

func joinRoles(rs []Role) string {
	names := make([]string, 0, len(rs))
	for _, r := range rs {
		names = append(names, string(r))
	}
	sort.Strings(names)
	return strings.Join(slices.Compact(names), ",")
}

// mergeRoles unions claim and granted roles in the order of Roles.
func mergeRoles(claim string, granted []string) []Role {
	have := map[string]bool{}
	for _, r := range strings.Split(claim, ",") {
		have[r] = true
	}
	for _, r := range granted {
		have[r] = true
	}
	var out []Role
	for _, r := range Roles {
		if have[string(r)] {
			out = append(out, r)
		}
	}
	return out
}

// JoinedColumns selects, in a query that joins users to another table,
// the user's columns and granted roles under the prefix u_, so that a
// request's session and its user come back in one round trip; Joined
// reads them.
const JoinedColumns = "users.id AS u_id, users.issuer AS u_issuer, users.subject AS u_subject, users.email AS u_email, " +
	"users.name AS u_name, users.locale AS u_locale, users.claim_roles AS u_claim_roles, users.created_at AS u_created_at, " +
	"users.updated_at AS u_updated_at, users.last_login_at AS u_last_login_at, " +
	"users.student_number AS u_student_number, users.year_of_study AS u_year_of_study, users.chosen_lang AS u_chosen_lang, " +
	"COALESCE((SELECT string_agg(role, ',') FROM user_roles WHERE user_id = users.id), '') AS u_granted"

// Joined is a user as JoinedColumns selects it; UID is nil when the join
// found nobody.
type Joined struct {
	UID          *int64     `gorm:"column:u_id"`
	UIssuer      string     `gorm:"column:u_issuer"`
	USubject     string     `gorm:"column:u_subject"`
	UEmail       string     `gorm:"column:u_email"`
	UName        string     `gorm:"column:u_name"`
	ULocale      string     `gorm:"column:u_locale"`
	UClaimRoles  string     `gorm:"column:u_claim_roles"`
	UCreatedAt   time.Time  `gorm:"column:u_created_at"`
	UUpdatedAt   time.Time  `gorm:"column:u_updated_at"`
	ULastLoginAt *time.Time `gorm:"column:u_last_login_at"`
	UGranted     string     `gorm:"column:u_granted"`
	// a home student's, as User
	UStudentNumber *string `gorm:"column:u_student_number"`
	UYearOfStudy   *int    `gorm:"column:u_year_of_study"`
	UChosenLang    string  `gorm:"column:u_chosen_lang"`
}

// User is the joined user with its roles, nil when there was none.
func (j Joined) User() *User {
	if j.UID == nil {
		return nil
	}
	return &User{
		ID: *j.UID, Issuer: j.UIssuer, Subject: j.USubject, Email: j.UEmail, Name: j.UName, Locale: j.ULocale,
		ClaimRoles: j.UClaimRoles, CreatedAt: j.UCreatedAt, UpdatedAt: j.UUpdatedAt, LastLoginAt: j.ULastLoginAt,
		StudentNumber: j.UStudentNumber, YearOfStudy: j.UYearOfStudy, ChosenLang: j.UChosenLang,
		Roles: mergeRoles(j.UClaimRoles, strings.Split(j.UGranted, ",")),
	}
}
