package document

import (
	"context"
	"time"

	"portal/internal/catalog"
)

// NeedStatus says how a person's wallet meets one required document type
// for one period.
type NeedStatus string

// The answers for one required type.
const (
	Ready         NeedStatus = "ready"          // a document valid on the first day and through the last
	Missing       NeedStatus = "missing"        // no document of the type
	ExpiredBefore NeedStatus = "expired_before" // every document of the type will have expired on the first day
	ExpiresDuring NeedStatus = "expires_during" // valid on the first day, expires before the last: a warning
)

// Need is one required type and the document that best meets it.
type Need struct {
	Type     string
	Status   NeedStatus
	Document *Document // the document of the type valid longest; nil when Missing
}

// Checklist is what a period of an elective requires of a person's wallet.
type Checklist struct {
	PeriodID         int64
	StartsOn, EndsOn time.Time
	Needs            []Need // in the elective's order of required types
}

// Missing lists the required types that stop an application: missing, or
// expired by the period's first day.
func (c Checklist) Missing() []string {
	var out []string
	for _, n := range c.Needs {
		if n.Status == Missing || n.Status == ExpiredBefore {
			out = append(out, n.Type)
		}
	}
	return out
}

// Ready reports whether nothing required is missing or expired.
func (c Checklist) Ready() bool { return len(c.Missing()) == 0 }

// Requirements answers, for owner and a period of an elective, which of the
// elective's required document types are missing from the wallet or will
// have expired on the period's first day. The application workflow refuses
// a submit unless it is Ready.
func (s *Service) Requirements(ctx context.Context, owner, periodID int64) (*Checklist, error) {
	var p catalog.Period
	if err := s.db.WithContext(ctx).Take(&p, periodID).Error; err != nil {
		return nil, wrap(err, "period")
	}
	var e catalog.Elective
	if err := s.db.WithContext(ctx).Take(&e, p.ElectiveID).Error; err != nil {
		return nil, wrap(err, "elective of period")
	}
	docs, err := s.Current(ctx, owner)
	if err != nil {
		return nil, err
	}
	c := Evaluate(docs, e.RequiredDocList(), p)
	return &c, nil
}

// Evaluate checks documents against required types for period p. Of
// several documents of one type the one valid longest counts (no expiry
// beats any date). A document is valid through its expiry date.
func Evaluate(docs []Document, required []string, p catalog.Period) Checklist {
	c := Checklist{PeriodID: p.ID, StartsOn: catalog.Day(p.StartsOn), EndsOn: catalog.Day(p.EndsOn)}
	for _, t := range required {
		n := Need{Type: t, Status: Missing}
		for i := range docs {
			d := &docs[i]
			if d.Type == t && d.DeletedAt == nil && d.SupersededAt == nil && outlasts(d, n.Document) {
				n.Document = d
			}
		}
		switch d := n.Document; {
		case d == nil:
		case !d.validOn(c.StartsOn):
			n.Status = ExpiredBefore
		case !d.validOn(c.EndsOn):
			n.Status = ExpiresDuring
		default:
			n.Status = Ready
		}
		c.Needs = append(c.Needs, n)
	}
	return c
}

// outlasts reports whether a stays valid longer than b (nil b: anything does).
func outlasts(a, b *Document) bool {
	switch {
	case b == nil:
		return true
	case b.ExpiresOn == nil:
		return false
	case a.ExpiresOn == nil:
		return true
	}
	return a.ExpiresOn.After(*b.ExpiresOn)
}
