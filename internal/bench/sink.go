package bench

import (
	"bufio"
	"io"
	"log"
	"net"
	"net/textproto"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Sink is an SMTP server in the benchmark process that accepts every mail
// and counts them by Message-ID, so that an outbox round can tell that each
// event arrived exactly once. It keeps no mail.
type Sink struct {
	Port int
	srv  *smtp.Server
	ln   net.Listener

	mu    sync.Mutex
	seen  map[string]int  // Message-ID -> mails that carried it
	noID  int             // mails without a Message-ID
	total int             // mails received
	last  time.Time       // when the last one was received
	gaps  []time.Duration // between two mails on one connection
}

// StartSink serves a sink on a free port of 127.0.0.1 until Close.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{Port: ln.Addr().(*net.TCPAddr).Port, ln: ln, seen: map[string]int{}}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "sink.bench"
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and closes every connection.
func (s *Sink) Close() error {
	_ = s.ln.Close()
	return s.srv.Close()
}

// Reset forgets what was received, for the next round.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen, s.noID, s.total, s.last, s.gaps = map[string]int{}, 0, 0, time.Time{}, nil
}

// SinkTally is what a sink received since its last Reset.
type SinkTally struct {
	Total int       // mails
	Last  time.Time // when the last one arrived
	// Gaps are the times between two consecutive mails on one SMTP
	// connection, unsorted: what one worker spends per mail.
	Gaps []time.Duration
	seen map[string]int
	noID int
}

// Tally returns what the sink received so far.
func (s *Sink) Tally() SinkTally {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := SinkTally{Total: s.total, Last: s.last, Gaps: append([]time.Duration(nil), s.gaps...), seen: make(map[string]int, len(s.seen)), noID: s.noID}
	for id, n := range s.seen {
		t.seen[id] = n
	}
	return t
}

// Progress is how many different Message-IDs and how many mails arrived
// so far: Tally without the copies, cheap enough to poll.
func (s *Sink) Progress() (distinct, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen), s.total
}

// Distinct is how many different Message-IDs arrived.
func (t SinkTally) Distinct() int { return len(t.seen) }

// NotOnce is how many of want mails, each with its own Message-ID, did
// not arrive exactly once: those missing, those doubled, and any mail
// without a Message-ID.
func (t SinkTally) NotOnce(want int) int {
	n := max(want-len(t.seen), 0) + t.noID
	for _, c := range t.seen {
		if c > 1 {
			n++
		}
	}
	return n
}

// sinkSession is one SMTP connection to the sink.
type sinkSession struct {
	s    *Sink
	prev time.Time // when this connection's previous mail arrived
}

func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x *sinkSession) Reset()                               {}
func (x *sinkSession) Logout() error                        { return nil }

// Data reads the header for the Message-ID and discards the rest.
func (x *sinkSession) Data(r io.Reader) error {
	br := bufio.NewReader(r)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return err
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	now := time.Now()
	s := x.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := h.Get("Message-Id"); id != "" {
		s.seen[id]++
	} else {
		s.noID++
	}
	s.total++
	s.last = now
	if !x.prev.IsZero() {
		s.gaps = append(s.gaps, now.Sub(x.prev))
	}
	x.prev = now
	return nil
}
