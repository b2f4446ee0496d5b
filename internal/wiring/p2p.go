package wiring

import (
	"context"
	"time"

	"gorm.io/gorm"

	"portal/internal/application"
	"portal/internal/document"
	"portal/internal/p2p"
)

// p2pEvery is how often a replica sends the messages due to partner
// portals (issue 15).
const p2pEvery = 15 * time.Second

// p2pOutbox adds the partner portals' messages to a workflow outbox: a
// nomination to a partner with a trusted portal, a decision on a request
// that came from one, each leave a job in the move's transaction, sent
// after it (p2p.Service.Deliver). a.P2P is read when a move is announced,
// so the workflows may be built before the exchange that moves them.
type p2pOutbox struct {
	next application.Outbox
	a    *App
}

// Enqueue passes kind on, then leaves the partner portal's job.
func (o p2pOutbox) Enqueue(tx *gorm.DB, kind string, applicant int64, data map[string]any, link string) error {
	if err := o.next.Enqueue(tx, kind, applicant, data, link); err != nil {
		return err
	}
	if o.a.P2P == nil {
		return nil
	}
	return o.a.P2P.Announce(tx, kind, data, link)
}

// startP2PJobs sends the partner portals' messages on a replica with
// workers; each message is claimed by one replica (a lease).
func (a *App) startP2PJobs(ctx context.Context) (stop func()) {
	if a.Config.Workers <= 0 || a.P2P == nil {
		return noStop
	}
	stopSend := every(ctx, p2pEvery, counted("partner portal messages", "partner portal messages sent", a.P2P.Deliver))
	stopPurge := every(ctx, nonceEvery, counted("partner portal nonces", "partner portal nonces forgotten", a.P2P.PurgeNonces))
	return func() { stopSend(); stopPurge() }
}

// nonceEvery is how often a replica forgets the nonces too old to replay.
const nonceEvery = 10 * time.Minute

// openP2P builds the exchange with partner portals over the services it
// moves.
func (a *App) openP2P(docs *document.Service) *p2p.Service {
	a.P2P = p2p.NewService(a.DB, a.Applications, a.Host, a.Rotations, docs, a.Users, p2p.Options{BaseURL: a.Config.BaseURL})
	return a.P2P
}
