package document

import (
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/clock"
	"portal/internal/testutil"
)

// A document expires at the end of its expiry date in the portal's zone:
// at 01:30 on 2 April in Taipei (17:30 UTC on 1 April) a passport that
// expired on 1 April is expired, may not be uploaded with that date, and
// one expiring on 2 April is still good. A portal on UTC is still on
// 1 April at that instant.
func TestDocumentExpiryCountsThePortalZonesDay(t *testing.T) {
	taipei, err := clock.Load("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	clk := testutil.NewClock(time.Date(2027, 4, 1, 17, 30, 0, 0, time.UTC))
	s := NewService(nil, nil, Options{Now: clk.Now, Zone: taipei})
	if got := s.Today(); !got.Equal(time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("the wallet's today is %s, want 2027-04-02", got)
	}
	err = s.Check(Input{Type: "passport", ExpiresOn: "2027-04-01"})
	if m, ok := apperr.FieldsOf(err)["expires_on"]; !ok || m.Key != "wallet.err.expiry_past" {
		t.Errorf("a passport expired yesterday (Taipei): %v", err)
	}
	if err := s.Check(Input{Type: "passport", ExpiresOn: "2027-04-02"}); err != nil {
		t.Errorf("a passport expiring today (Taipei): %v", err)
	}
	yesterday, today := catalog.Day(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)), catalog.Day(time.Date(2027, 4, 2, 0, 0, 0, 0, time.UTC))
	if st := (Document{ExpiresOn: &yesterday}).StatusOn(s.Today()); st != Expired {
		t.Errorf("expired on 1 April, at 01:30 on 2 April in Taipei: %s", st)
	}
	if st := (Document{ExpiresOn: &today}).StatusOn(s.Today()); st != Expiring {
		t.Errorf("expiring on 2 April, on 2 April: %s", st)
	}

	utc := NewService(nil, nil, Options{Now: clk.Now})
	if err := utc.Check(Input{Type: "passport", ExpiresOn: "2027-04-01"}); err != nil {
		t.Errorf("on a UTC portal it is still 1 April: %v", err)
	}
}
