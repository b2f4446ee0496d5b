package e2e

import (
	"bytes"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"portal/internal/config"
	"portal/internal/testutil"
)

// smtpSink is an SMTP server in the test process that keeps the plain
// text of every mail it receives, by recipient.
type smtpSink struct {
	addr string
	mu   sync.Mutex
	text map[string][]string
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &smtpSink{addr: ln.Addr().String(), text: map[string][]string{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }))
	srv.Domain, srv.ErrorLog = "sink.test", log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return k
}

// configure sends the portal's mail to the sink through one worker.
func (k *smtpSink) configure(c *config.Config) {
	host, port, _ := net.SplitHostPort(k.addr)
	c.Workers, c.SMTPHost, c.SMTPTLS, c.SMTPFrom = 1, host, "none", "electives@portal.test"
	c.SMTPPort, _ = strconv.Atoi(port)
}

// wait returns the text of the first mail to address, waiting for it.
func (k *smtpSink) wait(t *testing.T, address string) string {
	t.Helper()
	var first string
	testutil.Eventually(t, 20*time.Second, "a mail to "+address, func() bool {
		k.mu.Lock()
		defer k.mu.Unlock()
		if got := k.text[address]; len(got) > 0 {
			first = got[0]
		}
		return first != ""
	})
	return first
}

type sinkSession struct {
	k    *smtpSink
	rcpt []string
}

func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.rcpt = append(x.rcpt, to)
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	text, err := plainText(raw)
	if err != nil {
		return err
	}
	x.k.mu.Lock()
	for _, to := range x.rcpt {
		x.k.text[to] = append(x.k.text[to], text)
	}
	x.k.mu.Unlock()
	return nil
}
func (x *sinkSession) Reset()        { x.rcpt = nil }
func (x *sinkSession) Logout() error { return nil }

// plainText returns the decoded text/plain part of a mail, as a mail
// program shows it.
func plainText(raw []byte) (string, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", err
	}
	return textPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
}

func textPart(contentType, encoding string, body io.Reader) (string, error) {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return "", err
			}
			if text, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err == nil && text != "" {
				return text, nil
			}
		}
	}
	if media != "text/plain" {
		return "", nil
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	return string(b), err
}

var mailedLink = regexp.MustCompile(`http://\S+/signin/link\?token=[A-Za-z0-9_-]+`)

// A foreign student asks for a sign-in link in a real browser, receives it
// through SMTP, signs in with it and writes their profile. Every page
// passes axe, and the forms fit a phone.
func TestIncomingSignsInByEmail(t *testing.T) {
	t.Parallel()
	sink := startSMTPSink(t)
	_, base := startPortalWith(t, sink.configure)
	tb := newTab(t, base)

	tb.open("/")
	tb.checkA11y("anonymous home")
	if status := tb.click(`a[href="/signin/email"]`); status != 200 {
		t.Fatalf("the sign-in page answered %d", status)
	}
	wantEqual(t, "heading", tb.state().H1, "Sign in by email")
	tb.checkA11y("sign-in by email")
	tb.do("type the address", chromedp.SendKeys(chromedp.CSS("#signin-email"), "Marie.Curie@univ-lille.test", chromedp.NodeVisible))
	if status := tb.click(`form[action="/signin/email"] button[type=submit]`); status != 200 {
		t.Fatalf("the answer answered %d", status)
	}
	s := tb.state()
	wantEqual(t, "answer page", s.URL, base+"/signin/email/sent")
	wantContains(t, "answer", s.Body, "If this address can sign in, a link is on its way.")
	tb.checkA11y("link sent")

	text := sink.wait(t, "marie.curie@univ-lille.test")
	link := mailedLink.FindString(text)
	if link == "" {
		t.Fatalf("no sign-in link in the mail:\n%s", text)
	}
	if status := tb.open(strings.TrimPrefix(link, base)); status != 200 {
		t.Fatalf("the link answered %d", status)
	}
	if tb.state().Who != "" {
		t.Fatal("opening the link signed in before the button")
	}
	tb.checkA11y("sign-in link")
	if status := tb.click(`form[action="/signin/link"] button`); status != 200 {
		t.Fatalf("signing in answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "signed in as", s.Who, "marie.curie@univ-lille.test")
	wantEqual(t, "first landing", s.URL, base+"/incoming/profile")
	if status := tb.open("/"); status != 200 {
		t.Fatalf("the home page answered %d", status)
	}
	wantEqual(t, "roles", strings.Join(tb.state().Roles, ","), "Incoming applicant")

	if status := tb.click(`nav a[href="/incoming/profile"]`); status != 200 {
		t.Fatalf("the profile answered %d", status)
	}
	tb.checkA11y("new profile")
	tb.emulatePhone()
	tb.checkNoHorizontalScroll("profile on a phone")
	if status := tb.click(`form[action="/incoming/profile"] button[type=submit]`); status != 422 {
		t.Fatalf("an empty profile answered %d, want 422", status)
	}
	wantContains(t, "refusal", tb.state().Body, "Enter your family name as in your passport.")
	tb.checkA11y("refused profile")
	tb.checkNoHorizontalScroll("refused profile on a phone")

	tb.do("fill the profile",
		chromedp.SendKeys(chromedp.CSS("#profile-given_names"), "Marie", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#profile-family_name"), "Curie", chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#profile-birth_date"), "2001-11-07"),
		chromedp.SetValue(chromedp.CSS("#profile-nationality"), "FR"),
		chromedp.SetValue(chromedp.CSS("#profile-year_of_study"), "5"),
		chromedp.SendKeys(chromedp.CSS("#profile-home_institution_name"), "Sorbonne Université", chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#profile-home_country"), "FR"),
	)
	if status := tb.click(`form[action="/incoming/profile"] button[type=submit]`); status != 200 {
		t.Fatalf("saving the profile answered %d", status)
	}
	s = tb.state()
	wantEqual(t, "flash", s.Flash, "Your profile is saved.")
	wantEqual(t, "name in the header", s.Who, "Marie Curie")
	tb.checkA11y("saved profile")
}
