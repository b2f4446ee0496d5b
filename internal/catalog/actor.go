package catalog

import (
	"gorm.io/gorm"

	"portal/internal/audit"
)

// Actor is who changes the catalog, and from where.
type Actor struct {
	UserID int64
	Meta   audit.Meta
}

// By is the catalog as actor changes it: the same write methods, each of
// which also writes its audit entry (catalog.<entry>.<verb>) in its own
// transaction, so a change is never saved without its record or recorded
// without being saved. The Service itself writes unaudited: seeding, demo
// data and tests.
func (s *Service) By(a Actor) *Service {
	c := *s
	c.actor = &a
	return &c
}

// audited records, inside tx, that the actor did verb to entry id of kind
// k; nothing without an actor.
func (s *Service) audited(tx *gorm.DB, k Kind, verb string, id int64, detail map[string]any) error {
	if s.actor == nil {
		return nil
	}
	name := entryNames[k]
	return audit.Write(tx, audit.New(s.now(), &s.actor.UserID, "catalog."+name+"."+verb, s.actor.Meta, detail).On(name, id))
}

// entryNames name each kind of entry in audit actions and object types.
var entryNames = map[Kind]string{
	KindInstitution: "institution", KindAgreement: "agreement", KindDepartment: "department",
	KindElective: "elective", KindPeriod: "period", KindFunding: "funding",
}
