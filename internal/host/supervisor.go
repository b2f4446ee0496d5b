package host

import "gorm.io/gorm"

// ContactFor is who answers for elective electiveID (its own contact, else
// its institution's first), nil when nobody: the host supervisor's
// evaluation (internal/evaluation) is asked of the same person by default.
func ContactFor(tx *gorm.DB, electiveID int64) (*Contact, error) { return contactFor(tx, electiveID) }
