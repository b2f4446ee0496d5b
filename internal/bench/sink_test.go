package bench

import (
	"fmt"
	"net/smtp"
	"testing"
)

// The sink counts mails by Message-ID: a mail sent twice, one missing and
// one without an id are each an event not sent exactly once.
func TestSinkCountsByMessageID(t *testing.T) {
	s, err := StartSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := smtp.Dial(fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(header string) {
		t.Helper()
		if err := c.Mail("a@portal.test"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("b@portal.test"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "%sSubject: x\r\n\r\nbody\r\n", header)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"<1@p>", "<2@p>", "<2@p>", "<3@p>"} {
		send("Message-ID: " + id + "\r\n")
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	tally := s.Tally()
	if tally.Total != 4 || tally.Distinct() != 3 || len(tally.Gaps) != 3 {
		t.Fatalf("tally %+v", tally)
	}
	if n := tally.NotOnce(3); n != 1 {
		t.Errorf("3 events, one doubled: %d not once, want 1", n)
	}
	if n := tally.NotOnce(4); n != 2 {
		t.Errorf("4 events, one doubled, one missing: %d not once, want 2", n)
	}

	s.Reset()
	c2, err := smtp.Dial(fmt.Sprintf("127.0.0.1:%d", s.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c = c2
	send("")
	if tally := s.Tally(); tally.Total != 1 || tally.NotOnce(0) != 1 {
		t.Errorf("a mail without Message-ID: total %d, %d not once", tally.Total, tally.NotOnce(0))
	}
}
