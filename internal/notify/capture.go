package notify

import (
	"context"
	"sync"
	"time"
)

// Captured is a mail a Capture kept.
type Captured struct {
	ID int
	At time.Time
	Message
}

// Capture is the Mailer of dev mode: it keeps the last mails in memory, to
// be read in the browser at /dev/mail, and sends nothing anywhere.
type Capture struct {
	mu   sync.Mutex
	keep int
	next int
	msgs []Captured // oldest first
}

// NewCapture keeps the last keep mails.
func NewCapture(keep int) *Capture { return &Capture{keep: max(keep, 1)} }

// Send keeps m.
func (c *Capture) Send(_ context.Context, m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	c.msgs = append(c.msgs, Captured{ID: c.next, At: time.Now(), Message: m})
	if len(c.msgs) > c.keep {
		c.msgs = append(c.msgs[:0:0], c.msgs[len(c.msgs)-c.keep:]...)
	}
	return nil
}

// Keep is how many mails c keeps.
func (c *Capture) Keep() int { return c.keep }

// List returns the kept mails, newest first.
func (c *Capture) List() []Captured {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Captured, len(c.msgs))
	for i, m := range c.msgs {
		out[len(c.msgs)-1-i] = m
	}
	return out
}

// Get returns the kept mail id.
func (c *Capture) Get(id int) (Captured, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return Captured{}, false
}
