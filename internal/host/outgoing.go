package host

import (
	"context"

	"gorm.io/gorm"

	"portal/internal/application"
)

// Outgoing is the dossier of nomination (application id, rank) as it goes
// to the host's own portal (internal/p2p), with the bytes of each shared
// document in the order of d.Documents. The transfer is written in the
// student's disclosure log, like a host's opening of the dossier.
func (s *Service) Outgoing(ctx context.Context, id int64, rank int) (*Dossier, [][]byte, error) {
	var d *Dossier
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a application.Application
		if err := tx.Take(&a, id).Error; err != nil {
			return err
		}
		var err error
		// The partner portal stands in for the contact a link names.
		if d, err = dossierOf(tx, &Link{ApplicationID: id, ChoiceRank: rank, ContactName: "partner portal"}, &a); err != nil {
			return err
		}
		d.Actor = "partner portal of " + d.Institution
		return s.disclose(tx, d, "dossier.sent_to_portal", dossierObject(d), "nomination")
	})
	if err != nil {
		return nil, nil, wrap(err, "outgoing dossier")
	}
	files := make([][]byte, len(d.Documents))
	for i, doc := range d.Documents {
		if files[i], err = s.read(ctx, doc); err != nil {
			return nil, nil, err
		}
	}
	return d, files, nil
}
