package host

import (
	"strconv"
	"strings"

	"gorm.io/gorm"

	"portal/internal/workflow"
)

// Outbox is the workflow's outbox with the host's mail added: a
// nomination also sends the dossier link, in the nomination's transaction.
// Host is read when a transition is announced, so the workflow may be
// built before the host's service that answers through it.
type Outbox struct {
	Next workflow.Outbox
	Host func() *Service
}

// Enqueue passes kind on, then issues the dossier link of a nomination.
func (o Outbox) Enqueue(tx *gorm.DB, kind string, applicant int64, data map[string]any, link string) error {
	if o.Next != nil {
		if err := o.Next.Enqueue(tx, kind, applicant, data, link); err != nil {
			return err
		}
	}
	s := o.Host()
	if kind != "application.nominate" || s == nil {
		return nil
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(link, "/applications/"), 10, 64)
	if err != nil {
		return err
	}
	return s.Issue(tx, id, data)
}
