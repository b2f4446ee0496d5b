// Package departure keeps the pre-departure checklist of an outgoing
// placement (issue 19): once a student has confirmed a placement they
// record, item by item, their insurance (valid through the placement's
// last day), their visa, their travel dates around the placement, their
// housing, an emergency contact and that they have read the host's
// onboarding documents; the office sees who is ready to leave and what
// the others still miss. Who may read a checklist is who may read its
// application (internal/application); only its student writes it. It
// knows nothing of HTTP.
package departure

import (
	"slices"
	"time"

	"portal/internal/apperr"
	"portal/internal/application"
	"portal/internal/clock"
	"portal/internal/db"
	"portal/internal/user"
)

// Item is one line of the checklist, saved on its own.
type Item string

// The checklist's items, in the page's order.
const (
	Insurance  Item = "insurance"
	Visa       Item = "visa"
	Travel     Item = "travel"
	Housing    Item = "housing"
	Emergency  Item = "emergency"
	Onboarding Item = "onboarding"
)

// Items lists every item in the page's order.
var Items = []Item{Insurance, Visa, Travel, Housing, Emergency, Onboarding}

// ParseItem returns the item named s.
func ParseItem(s string) (Item, bool) {
	i := Item(s)
	return i, slices.Contains(Items, i)
}

// The answers about a visa.
const (
	VisaNotNeeded = "not_needed"
	VisaNeeded    = "needed" // needed and not yet obtained: the item is open
	VisaObtained  = "obtained"
)

// VisaAnswers are the visa answers in the form's order.
var VisaAnswers = []string{VisaNotNeeded, VisaNeeded, VisaObtained}

// TravelSlack is how many days before the first day one may arrive, and
// after the last day one may leave: travel dates further away are a typo.
const TravelSlack = 60

// MaxText is the length of each free-text answer.
const MaxText = 1000

// Options are what the portal sets; tests set Now.
type Options struct {
	Now  func() time.Time // the clock; time.Now when nil
	Zone clock.Zone       // "today" is the portal's
	// Applications says who may read an application (its parties).
	Applications *application.Service
}

// Service keeps the checklists. Each method owns its transaction.
type Service struct {
	db *db.DB
	o  Options
}

// NewService returns the service over d.
func NewService(d *db.DB, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{db: d, o: o}
}

func (s *Service) now() time.Time   { return s.o.Now().UTC() }
func (s *Service) today() time.Time { return s.o.Zone.Day(s.now()) }

// Link is the checklist page of application id.
func Link(id int64) string { return application.Link(id) + "/departure" }

var errNotFound = apperr.New(apperr.NotFound, "error.not_found")

func wrap(err error, what string) error { return apperr.Or(err, "departure: "+what) }

func office(u *user.User) error {
	if u == nil || !u.Has(user.Office, user.Admin) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

// Checklist is what a student recorded before leaving; an item's *At is
// when it was last saved, nil while never.
type Checklist struct {
	ApplicationID     int64 `gorm:"primaryKey;autoIncrement:false"`
	InsuranceProvider string
	InsurancePolicy   string
	InsuranceUntil    *time.Time
	InsuranceDocID    *int64
	InsuranceAt       *time.Time
	Visa              string
	VisaNote          string
	VisaAt            *time.Time
	ArriveOn          *time.Time
	LeaveOn           *time.Time
	TravelAt          *time.Time
	Housing           string
	HousingAt         *time.Time
	EmergencyName     string
	EmergencyRelation string
	EmergencyPhone    string
	EmergencyAt       *time.Time
	OnboardingNote    string
	OnboardingAt      *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TableName is departure_checklists.
func (Checklist) TableName() string { return "departure_checklists" }

// Done reports whether item is complete for a placement ending on until.
func (c *Checklist) Done(item Item, until time.Time) bool {
	switch item {
	case Insurance:
		return c.InsuranceAt != nil && c.InsuranceUntil != nil && !c.InsuranceUntil.Before(until) &&
			(c.InsurancePolicy != "" || c.InsuranceDocID != nil)
	case Visa:
		return c.VisaAt != nil && (c.Visa == VisaNotNeeded || c.Visa == VisaObtained)
	case Travel:
		return c.TravelAt != nil && c.ArriveOn != nil && c.LeaveOn != nil
	case Housing:
		return c.HousingAt != nil
	case Emergency:
		return c.EmergencyAt != nil
	case Onboarding:
		return c.OnboardingAt != nil
	}
	return false
}

// Missing lists the items not complete, in the page's order.
func (c *Checklist) Missing(until time.Time) []Item {
	var out []Item
	for _, it := range Items {
		if !c.Done(it, until) {
			out = append(out, it)
		}
	}
	return out
}
