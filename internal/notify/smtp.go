package notify

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLS modes of an SMTP connection.
const (
	TLSNone     = "none"     // plain text: a mail catcher on the same host
	TLSStartTLS = "starttls" // upgrade required, usually port 587
	TLSImplicit = "tls"      // TLS from the first byte, usually port 465
)

// SMTPConfig is where and how mail leaves the portal.
type SMTPConfig struct {
	Host     string
	Port     int // 0: 587 for starttls, 465 for tls, 25 for none
	TLS      string
	Username string // empty: no authentication
	Password string
	From     string // "Electives Office <electives@example.edu>" or a bare address
	Timeout  time.Duration
}

// SMTPMailer sends mail through an SMTP server with go-mail. It keeps the
// connections of finished sends open for the next ones (a worker sends many
// mails in a row), and dials a fresh one when a kept connection went stale.
type SMTPMailer struct {
	client  *gomail.Client
	from    string
	mu      sync.Mutex
	idle    []*smtp.Client
	maxIdle int
}

// NewSMTPMailer checks cfg and returns a mailer; it does not connect yet.
// maxIdle is how many connections it keeps open between sends (the number
// of workers is a good value).
func NewSMTPMailer(cfg SMTPConfig, maxIdle int) (*SMTPMailer, error) {
	opts := []gomail.Option{gomail.WithTimeout(cfg.Timeout)}
	if cfg.Timeout <= 0 {
		opts[0] = gomail.WithTimeout(20 * time.Second)
	}
	port := cfg.Port
	switch cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if port == 0 {
			port = 25
		}
	case TLSStartTLS, "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	default:
		return nil, fmt.Errorf("unknown SMTP TLS mode %q (want none, starttls or tls)", cfg.TLS)
	}
	opts = append(opts, gomail.WithPort(port))
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client: %w", err)
	}
	// The sender is checked once here, not at every mail.
	if err := gomail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("SMTP sender %q: %w", cfg.From, err)
	}
	return &SMTPMailer{client: c, from: cfg.From, maxIdle: max(maxIdle, 1)}, nil
}

// Send delivers m. A recipient or sender the server refuses for good (5xx)
// and an address that cannot be written are permanent failures; everything
// else (the server is down, busy, or answers 4xx) is worth retrying.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg, err := s.message(m)
	if err != nil {
		return Permanent(err)
	}
	for try := 0; ; try++ {
		conn, reused, err := s.conn(ctx)
		if err != nil {
			return fmt.Errorf("connect to the SMTP server: %w", err)
		}
		err = s.client.SendWithSMTPClient(conn, msg)
		if err == nil {
			s.put(conn)
			return nil
		}
		var se *gomail.SendError
		if !errors.As(err, &se) {
			s.drop(conn)
			return err
		}
		if se.Reason == gomail.ErrConnCheck && reused && try == 0 {
			// A kept connection the server closed meanwhile: dial again.
			s.drop(conn)
			continue
		}
		switch se.Reason {
		case gomail.ErrSMTPMailFrom, gomail.ErrSMTPRcptTo:
			// The server refused this mail; the session was reset and
			// stays usable.
			s.put(conn)
		default:
			s.drop(conn)
		}
		if se.ErrorCode() >= 500 || se.Reason == gomail.ErrGetRcpts || se.Reason == gomail.ErrGetSender {
			return Permanent(err)
		}
		return err
	}
}

// message turns m into a go-mail message. Every header value goes through
// oneLine first; go-mail then encodes non-ASCII names and subjects.
func (s *SMTPMailer) message(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return nil, err
	}
	if err := msg.AddToFormat(oneLine(m.To.Name), oneLine(m.To.Address)); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	msg.Subject(oneLine(m.Subject))
	if m.ID != "" {
		msg.SetMessageIDWithValue(oneLine(m.ID))
	}
	if !m.Date.IsZero() {
		msg.SetDateWithValue(m.Date)
	} else {
		msg.SetDate()
	}
	// RFC 3834: out-of-office replies must not answer this.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// conn returns a kept connection or dials a new one.
func (s *SMTPMailer) conn(ctx context.Context) (*smtp.Client, bool, error) {
	s.mu.Lock()
	if n := len(s.idle); n > 0 {
		c := s.idle[n-1]
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		return c, true, nil
	}
	s.mu.Unlock()
	c, err := s.client.DialToSMTPClientWithContext(ctx)
	return c, false, err
}

func (s *SMTPMailer) put(c *smtp.Client) {
	s.mu.Lock()
	if len(s.idle) < s.maxIdle {
		s.idle = append(s.idle, c)
		c = nil
	}
	s.mu.Unlock()
	if c != nil {
		s.drop(c)
	}
}

func (s *SMTPMailer) drop(c *smtp.Client) {
	if c != nil {
		_ = c.Close()
	}
}

// Close says goodbye on every kept connection.
func (s *SMTPMailer) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, c := range idle {
		_ = s.client.CloseWithSMTPClient(c)
	}
	return nil
}
