package watch

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/rotation"
	"portal/internal/user"
)

// feedRow is a row of calendar_feeds: whose feed a token hash opens.
type feedRow struct {
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	TokenHash string
	CreatedAt time.Time
}

func (feedRow) TableName() string { return "calendar_feeds" }

// tokenBytes is the randomness of a feed token: 256 bits, as the
// portal's session ids.
const tokenBytes = 32

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// FeedSince says since when u's current feed address exists; nil when
// they never made one.
func (s *Service) FeedSince(ctx context.Context, u *user.User) (*time.Time, error) {
	var row feedRow
	err := s.db.WithContext(ctx).Where("user_id = ?", u.ID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(err, "read the feed")
	}
	return &row.CreatedAt, nil
}

// ResetFeed makes a new private feed token for u and returns it; the
// address of the old one stops answering at once. Only its hash is kept,
// so this is the one moment the token can be shown.
func (s *Service) ResetFeed(ctx context.Context, u *user.User) (string, error) {
	if u == nil {
		return "", apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", wrap(err, "feed token")
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	row := feedRow{UserID: u.ID, TokenHash: hashToken(token), CreatedAt: s.now()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "user_id"}}, DoUpdates: clause.AssignmentColumns([]string{"token_hash", "created_at"}),
	}).Create(&row).Error
	if err != nil {
		return "", wrap(err, "reset the feed")
	}
	return token, nil
}

// Feed is what a person's calendar shows: their dates, newest window last.
type Feed struct {
	UserID int64
	Name   string
	Locale string // the owner's language, for the events' words
	Events []Event
}

// The kinds of event a feed holds.
const (
	EventDeadline     = "deadline"      // a draft's elective closes its window
	EventOfferAnswer  = "offer"         // answer an offer by
	EventPlacement    = "placement"     // a confirmed outgoing placement
	EventRotation     = "rotation"      // one's own incoming rotation weeks
	EventDeptRotation = "dept_rotation" // an accepted rotation in a department one coordinates
)

// feedPast is how far back a feed goes: a calendar keeps what it read.
const (
	feedPast = 180 * 24 * time.Hour
)

// Event is one date of a feed. All-day events run from Start to End, both
// calendar days included; others are the instant At.
type Event struct {
	UID        string
	Kind       string
	Title      string // the elective's title in the owner's language, or the department's name
	Who        string // the applicant, for a coordinator's rotations
	AllDay     bool
	Start, End time.Time // days (midnight UTC), when AllDay
	At         time.Time // an instant, otherwise
	Link       string    // a path on the portal
}

var errNoFeed = errNotFound

// Feed returns the events of the feed whose token is token; an unknown
// or reset token is not found.
func (s *Service) Feed(ctx context.Context, token string) (*Feed, error) {
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != tokenBytes {
		return nil, errNoFeed
	}
	var owner struct {
		ID           int64
		Name, Locale string
	}
	err := s.db.WithContext(ctx).Table("calendar_feeds").Select("users.id, users.name, users.locale").
		Joins("JOIN users ON users.id = calendar_feeds.user_id").
		Where("calendar_feeds.token_hash = ?", hashToken(token)).Take(&owner).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNoFeed
	}
	if err != nil {
		return nil, wrap(err, "open the feed")
	}
	f := &Feed{UserID: owner.ID, Name: owner.Name, Locale: owner.Locale}
	since := s.o.Zone.Day(s.now().Add(-feedPast))
	tx := s.db.WithContext(ctx)
	for _, add := range []func(*gorm.DB, *Feed, time.Time) error{s.applicationEvents, rotationEvents, departmentEvents} {
		if err := add(tx, f, since); err != nil {
			return nil, wrap(err, "feed events")
		}
	}
	sort.SliceStable(f.Events, func(i, j int) bool { return f.Events[i].sortAt().Before(f.Events[j].sortAt()) })
	return f, nil
}

func (e Event) sortAt() time.Time {
	if e.AllDay {
		return e.Start
	}
	return e.At
}

func (f *Feed) title(en, zh string) string {
	if f.Locale == "zh-Hant" && zh != "" {
		return zh
	}
	return en
}

// applicationEvents adds the owner's outgoing dates: the closing day of
// each draft's electives, the answer-by of an offer, and placements.
func (s *Service) applicationEvents(tx *gorm.DB, f *Feed, since time.Time) error {
	var rows []struct {
		ID             int64
		Status         string
		CurrentChoice  int
		OfferExpiresAt *time.Time
		PlacedFrom     *time.Time
		PlacedUntil    *time.Time
		Rank           int
		ElectiveID     int64
		TitleEN        string
		TitleZH        string
		ClosesOn       time.Time
	}
	err := tx.Table("applications").
		Select("applications.id, applications.status, applications.current_choice, applications.offer_expires_at, applications.placed_from, applications.placed_until, application_choices.rank, application_choices.elective_id, electives.title_en, electives.title_zh, electives.closes_on").
		Joins("JOIN application_choices ON application_choices.application_id = applications.id").
		Joins("JOIN electives ON electives.id = application_choices.elective_id").
		Where("applications.applicant_id = ? AND applications.status IN ?", f.UserID,
			[]application.Stage{application.Draft, application.HostAccepted, application.Confirmed, application.Completed}).
		Order("applications.id, application_choices.rank").Scan(&rows).Error
	if err != nil {
		return err
	}
	seen := map[string]bool{} // two periods of one elective are one deadline
	for _, r := range rows {
		link := application.Link(r.ID)
		title := f.title(r.TitleEN, r.TitleZH)
		current := r.Rank == max(r.CurrentChoice, 1)
		switch {
		case r.Status == string(application.Draft) && !r.ClosesOn.Before(since) && !seen[fmt.Sprintf("deadline-%d-%d", r.ID, r.ElectiveID)]:
			seen[fmt.Sprintf("deadline-%d-%d", r.ID, r.ElectiveID)] = true
			f.Events = append(f.Events, Event{UID: fmt.Sprintf("deadline-%d-%d", r.ID, r.ElectiveID), Kind: EventDeadline,
				Title: title, AllDay: true, Start: r.ClosesOn, End: r.ClosesOn, Link: link})
		case r.Status == string(application.HostAccepted) && current && r.OfferExpiresAt != nil:
			f.Events = append(f.Events, Event{UID: fmt.Sprintf("offer-%d-%d", r.ID, r.OfferExpiresAt.Unix()), Kind: EventOfferAnswer,
				Title: title, At: r.OfferExpiresAt.UTC(), Link: link})
		case current && r.PlacedFrom != nil && r.PlacedUntil != nil && !r.PlacedUntil.Before(since):
			f.Events = append(f.Events, Event{UID: fmt.Sprintf("placement-%d", r.ID), Kind: EventPlacement,
				Title: title, AllDay: true, Start: *r.PlacedFrom, End: *r.PlacedUntil, Link: link})
		}
	}
	return nil
}

// rotationStages are the stages of a rotation whose weeks hold seats.
var rotationStages = []rotation.Stage{rotation.Accepted, rotation.Confirmed, rotation.Completed}

type rotationRow struct {
	ID                   int64
	StartsOn             time.Time
	Weeks                int
	NameEN, NameZH, Name string
}

func rotationQuery(tx *gorm.DB) *gorm.DB {
	return tx.Table("rotation_requests").
		Select("rotation_requests.id, rotation_choices.starts_on, rotation_choices.weeks, departments.name_en, departments.name_zh, users.name").
		Joins("JOIN rotation_choices ON rotation_choices.request_id = rotation_requests.id AND rotation_choices.rank = rotation_requests.accepted_choice").
		Joins("JOIN departments ON departments.id = rotation_choices.department_id").
		Joins("JOIN users ON users.id = rotation_requests.applicant_id").
		Where("rotation_requests.status IN ?", rotationStages).Order("rotation_choices.starts_on, rotation_requests.id")
}

func (r rotationRow) last() time.Time { return r.StartsOn.AddDate(0, 0, 7*r.Weeks-1) }

// rotationEvents adds the owner's own incoming rotation weeks.
func rotationEvents(tx *gorm.DB, f *Feed, since time.Time) error {
	var rows []rotationRow
	if err := rotationQuery(tx).Where("rotation_requests.applicant_id = ?", f.UserID).Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if r.last().Before(since) {
			continue
		}
		f.Events = append(f.Events, Event{UID: fmt.Sprintf("rotation-%d", r.ID), Kind: EventRotation,
			Title: f.title(r.NameEN, r.NameZH), AllDay: true, Start: r.StartsOn, End: r.last(), Link: fmt.Sprintf("/rotations/%d", r.ID)})
	}
	return nil
}

// departmentEvents adds, for a host coordinator, the accepted rotations of
// the departments they look after.
func departmentEvents(tx *gorm.DB, f *Feed, since time.Time) error {
	var rows []rotationRow
	err := rotationQuery(tx).
		Where("rotation_choices.department_id IN (?)", tx.Table("rotation_coordinators").Select("department_id").Where("user_id = ?", f.UserID)).
		Scan(&rows).Error
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.last().Before(since) {
			continue
		}
		f.Events = append(f.Events, Event{UID: fmt.Sprintf("dept-rotation-%d", r.ID), Kind: EventDeptRotation,
			Title: f.title(r.NameEN, r.NameZH), Who: r.Name, AllDay: true, Start: r.StartsOn, End: r.last(), Link: fmt.Sprintf("/rotations/%d", r.ID)})
	}
	return nil
}
