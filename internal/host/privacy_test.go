package host_test

import (
	"strings"
	"testing"

	"portal/internal/apperr"
	"portal/internal/audit"
	"portal/internal/db"
	"portal/internal/privacy"
	"portal/internal/testutil"
)

// Sharing a health document with the host is a consent to that host: the
// student sees it on /account beside the others and revokes it there; the
// dossier then leaves the document out, a download of it is refused, and
// the student's disclosure log holds every opening, the download and the
// refusal, naming the host's contact.
func TestAHealthDocumentSharedWithTheHostIsAConsentWhoseRevocationTheDossierObeys(t *testing.T) {
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := privacy.NewService(d, privacy.Options{Now: w.clock.Now})
		imm := w.doc("immunization_record", "vaccines.png", "image/png", samplePNG(t))
		cv := w.doc("cv", "cv.png", "image/png", samplePNG(t))
		_, tok := w.nominated(imm, cv)

		hd, err := p.HealthDocuments(w.ctx, w.student.ID)
		w.must(err, "health documents")
		var host *privacy.Consent
		for i, c := range hd[0].Consents {
			if c.Recipient == privacy.HostRecipient(w.inst.ID) {
				host = &hd[0].Consents[i]
			}
		}
		if host == nil || host.State != privacy.Given || host.HostName != "Kumamoto University" {
			t.Fatalf("the sharing is not a consent to the host: %+v", hd)
		}

		dos, err := w.h.Dossier(w.ctx, tok)
		w.must(err, "dossier")
		if len(dos.Documents) != 2 {
			t.Fatalf("the dossier shows %d documents, want the two shared", len(dos.Documents))
		}
		_, r, err := w.h.Document(w.ctx, dos, imm.ID)
		w.must(err, "download")
		r.Close()

		w.must(p.SetConsent(w.ctx, w.student, imm.ID, privacy.HostRecipient(w.inst.ID), false, audit.Meta{}), "revoke")
		dos, err = w.h.Dossier(w.ctx, tok)
		w.must(err, "dossier after the revocation")
		if len(dos.Documents) != 1 || dos.Documents[0].ID != cv.ID {
			t.Errorf("after the revocation the dossier shows %+v, want the CV only", dos.Documents)
		}
		if _, _, err := w.h.Document(w.ctx, dos, imm.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("downloading the revoked document: %v, want a refusal", err)
		}

		log, err := p.Disclosures(w.ctx, w.student.ID, 20)
		w.must(err, "log")
		var got []string
		for i := len(log) - 1; i >= 0; i-- {
			got = append(got, log[i].Action+"/"+log[i].Basis)
			if !strings.Contains(log[i].Actor, "Dr. Sato") || !strings.Contains(log[i].Actor, "Kumamoto University") {
				t.Errorf("entry %s does not name the host's contact: %q", log[i].Action, log[i].Actor)
			}
		}
		want := "dossier.opened/nomination document.opened/consent dossier.opened/nomination document.refused/consent_revoked"
		if strings.Join(got, " ") != want {
			t.Errorf("disclosure log:\n got %s\nwant %s", strings.Join(got, " "), want)
		}

		// Given again on /account (after the health notice), the dossier
		// shows it again; a host it was never shared with is no recipient.
		w.must(p.Acknowledge(w.ctx, w.student, "health", audit.Meta{}), "health notice")
		if err := p.SetConsent(w.ctx, w.student, imm.ID, privacy.HostRecipient(w.inst.ID+100), true, audit.Meta{}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a consent to a host never shared with: %v, want invalid", err)
		}
		w.must(p.SetConsent(w.ctx, w.student, imm.ID, privacy.HostRecipient(w.inst.ID), true, audit.Meta{}), "give again")
		if dos, err = w.h.Dossier(w.ctx, tok); err != nil || len(dos.Documents) != 2 {
			t.Errorf("given again, the dossier shows %d documents (%v), want 2", len(dos.Documents), err)
		}

		// Unshared on every application, the host's consent is offered no
		// more on /account: sharing again is what gives it.
		hostOf := func() privacy.Consent {
			hd, err := p.HealthDocuments(w.ctx, w.student.ID)
			w.must(err, "health documents")
			for _, c := range hd[0].Consents {
				if c.Recipient == privacy.HostRecipient(w.inst.ID) {
					return c
				}
			}
			t.Fatalf("no host consent in %+v", hd)
			return privacy.Consent{}
		}
		if c := hostOf(); c.Unshared {
			t.Errorf("a document shared with the host reads as unshared: %+v", c)
		}
		w.must(d.Exec("DELETE FROM host_consents WHERE document_chain = ?", imm.ChainID).Error, "unshare")
		if c := hostOf(); !c.Unshared {
			t.Errorf("a document shared with the host on no application reads as shared: %+v", c)
		}
	})
}
