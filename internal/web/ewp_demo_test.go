package web_test

import (
	"context"
	"testing"

	"portal/internal/ewp"
	"portal/internal/ewp/ewptest"
	"portal/internal/user"
	"portal/internal/wiring"
)

// What the office would send partners from `portal dev` is what EWP's
// schemas accept: every demo nomination that EWP v3 can carry, as an
// Outgoing Mobilities get-response, and every demo agreement, as an IIA
// get-response (issue 15).
func TestEveryDemoNominationAndAgreementIsValidEWP(t *testing.T) {
	t.Parallel()
	p := startPortal(t, "sqlite", wiring.Options{DemoApplications: true})
	ctx := context.Background()
	office := &user.User{ID: 1, Roles: []user.Role{user.Office}}
	svc := ewp.NewService(p.App.DB, ewp.Options{})

	var nominated []int64
	if err := p.App.DB.Table("application_choices").Where("nominated_at IS NOT NULL").
		Distinct("application_id").Order("application_id").Pluck("application_id", &nominated).Error; err != nil {
		t.Fatal(err)
	}
	studies, traineeships := 0, 0
	for _, id := range nominated {
		ex, err := svc.Mobilities(ctx, office, id)
		if err != nil {
			t.Fatalf("application %d: %v", id, err)
		}
		traineeships += len(ex.Traineeships)
		if len(ex.Studies) == 0 {
			continue
		}
		doc, err := svc.OmobilitiesXML(ctx, office, id)
		if err != nil {
			t.Fatalf("application %d: %v", id, err)
		}
		ewptest.Validate(t, ewptest.Omobilities, doc)
		studies += len(ex.Studies)
	}
	if studies == 0 || traineeships == 0 {
		t.Fatalf("the demo's %d nominations give %d EWP mobilities and %d traineeships: want both kinds", len(nominated), studies, traineeships)
	}

	var agreements []int64
	if err := p.App.DB.Table("agreements").Order("id").Pluck("id", &agreements).Error; err != nil {
		t.Fatal(err)
	}
	if len(agreements) == 0 {
		t.Fatal("no agreement in the demo")
	}
	for _, id := range agreements {
		doc, err := svc.IIAXML(ctx, office, id)
		if err != nil {
			t.Fatalf("agreement %d: %v", id, err)
		}
		ewptest.Validate(t, ewptest.IIAs, doc)
	}
	t.Logf("%d nominations (%d EWP mobilities, %d traineeships) and %d agreements validated", len(nominated), studies, traineeships, len(agreements))
}
