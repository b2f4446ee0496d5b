package notify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"portal/internal/testutil"
)

// sink is a real SMTP server in the test process: it keeps what it
// receives, refuses the recipients it is told to, and can be stopped and
// started again on the same port to play an outage.
type sink struct {
	t    testing.TB
	addr string
	port int

	mu     sync.Mutex
	srv    *smtp.Server
	ln     net.Listener
	got    []received
	reject map[string]int // address -> SMTP code to refuse it with
	rcpts  int            // RCPT commands accepted, in all sessions
	// light makes the sink count mails without keeping or parsing them,
	// for the benchmark.
	light bool
	n     int
}

// received is one mail as the sink parsed it.
type received struct {
	From    string
	Rcpt    []string // RCPT TO of the session
	Raw     string
	Header  mail.Header
	To      []*mail.Address
	Subject string // decoded
	Text    string
	HTML    string
}

// startSink serves a sink on a free port of 127.0.0.1 until the test ends.
func startSink(t testing.TB) *sink {
	t.Helper()
	s := &sink{t: t, reject: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.port = ln.Addr().(*net.TCPAddr).Port
	s.serve(ln)
	t.Cleanup(s.stop)
	return s
}

func (s *sink) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "sink.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// stop closes the server and every connection: the mail server is down.
func (s *sink) stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Close the listener first: the server may not have registered it
		// yet, and then its Close would leave it accepting.
		_ = ln.Close()
		_ = srv.Close()
	}
}

// start serves again on the same port after stop.
func (s *sink) start() {
	s.t.Helper()
	var ln net.Listener
	// The port may linger a moment after close.
	testutil.EventuallyNil(s.t, time.Second, func() (err error) {
		if ln, err = net.Listen("tcp", s.addr); err != nil {
			return fmt.Errorf("restart the sink on %s: %w", s.addr, err)
		}
		return nil
	})
	s.serve(ln)
}

func (s *sink) refuse(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[addr] = code
}

func (s *sink) mails() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// accepted counts the recipients the server accepted, in all sessions.
func (s *sink) accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts
}

// waitFor waits until the sink holds n mails, failing after d.
func (s *sink) waitFor(n int, d time.Duration) {
	s.t.Helper()
	testutil.EventuallyNil(s.t, d, func() error {
		if got := s.count(); got < n {
			return fmt.Errorf("the sink received %d mails, want %d", got, n)
		}
		return nil
	})
}

// config is an SMTPConfig for this sink: no TLS, as a local mail catcher.
func (s *sink) config() SMTPConfig {
	return SMTPConfig{Host: "127.0.0.1", Port: s.port, TLS: TLSNone, From: "Electives Office <electives@portal.test>", Timeout: 5 * time.Second}
}

type session struct {
	s    *sink
	from string
	rcpt []string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	code := x.s.reject[to]
	if code == 0 {
		x.s.rcpts++
	}
	x.s.mu.Unlock()
	if code != 0 {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "no such mailbox: " + to}
	}
	x.rcpt = append(x.rcpt, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	x.s.mu.Lock()
	light := x.s.light
	x.s.mu.Unlock()
	if light {
		_, err := io.Copy(io.Discard, r)
		x.s.mu.Lock()
		x.s.n++
		x.s.mu.Unlock()
		return err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseMail(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable: " + err.Error()}
	}
	m.From, m.Rcpt = x.from, append([]string(nil), x.rcpt...)
	x.s.mu.Lock()
	x.s.got = append(x.s.got, m)
	x.s.n++
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.from, x.rcpt = "", nil }
func (x *session) Logout() error { return nil }

// parseMail reads a mail the way a mail client would: headers decoded, the
// text and HTML alternatives decoded from their transfer encoding.
func parseMail(raw []byte) (received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	m := received{Raw: string(raw), Header: msg.Header}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	if m.To, err = msg.Header.AddressList("To"); err != nil {
		return m, err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return m, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decodeBody(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		m.Text = body
		return m, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, err
		}
		body, err := decodeBody(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return m, err
		}
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			m.Text = body
		case "text/html":
			m.HTML = body
		}
	}
	return m, nil
}

func decodeBody(r io.Reader, enc string) (string, error) {
	switch strings.ToLower(enc) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n"), err
}

// byID indexes mails by Message-ID and fails on a duplicate.
func byID(t testing.TB, mails []received) map[string]received {
	t.Helper()
	out := map[string]received{}
	for _, m := range mails {
		id := m.Header.Get("Message-Id")
		if id == "" {
			t.Fatalf("a mail without Message-ID:\n%s", m.Raw)
		}
		if _, dup := out[id]; dup {
			t.Errorf("mail %s arrived twice (subject %q)", id, m.Subject)
		}
		out[id] = m
	}
	return out
}

// run runs the service's workers until the test ends, or stop is called.
func run(t testing.TB, s *Service, workers int) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx, workers); close(done) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("workers did not stop within 30 s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func describe(m received) string {
	return fmt.Sprintf("to %v subject %q", m.Rcpt, m.Subject)
}
