package workflow

import "gorm.io/gorm"

// Outbox is the port through which every workflow announces its moves. It
// stores the announcement in the transaction of the move, so that a
// committed move is always announced and a rolled-back one never is.
// kind is "<workflow>.<action>" ("application.approve", "rotation.accept");
// recipient is the applicant; data carries what the mails quote. The
// portal's wiring adapts the notifications' outbox to it, in one place,
// and decides who else hears of a move.
type Outbox interface {
	Enqueue(tx *gorm.DB, kind string, recipient int64, data map[string]any, link string) error
}
