package catalog

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Searches arriving together share version reads, and none of them is
// answered with a version older than the one committed when it arrived:
// an edit saved before a search began always shows in that search.
func TestSearchesShareVersionReadsWithoutMissingAChange(t *testing.T) {
	var g versionGate[int64]
	var committed, queries atomic.Int64
	query := func(context.Context) (int64, error) {
		queries.Add(1)
		time.Sleep(2 * time.Millisecond) // a round trip to the database
		return committed.Load(), nil
	}
	stop := make(chan struct{})
	go func() { // an editor saving all the time
		for {
			select {
			case <-stop:
				return
			default:
				committed.Add(1)
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	const searches = 400
	var wg sync.WaitGroup
	for i := 0; i < searches; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			before := committed.Load()
			v, err := g.read(context.Background(), query)
			if err != nil {
				t.Error(err)
			}
			if v < before {
				t.Errorf("a search that began at version %d was answered with %d", before, v)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if n := queries.Load(); n >= searches/2 {
		t.Errorf("%d searches at once sent %d version reads; want them shared", searches, n)
	}
}

// A search whose visitor went away stops waiting; the others still get
// their answer.
func TestACancelledSearchDoesNotFailTheOthers(t *testing.T) {
	var g versionGate[int64]
	release := make(chan struct{})
	query := func(ctx context.Context) (int64, error) {
		<-release
		return 7, ctx.Err()
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := g.read(ctx, query); first <- err }()
	time.Sleep(10 * time.Millisecond)
	second := make(chan int64, 1)
	go func() { v, _ := g.read(context.Background(), query); second <- v }()
	cancel()
	release <- struct{}{}
	<-first
	close(release)
	if v := <-second; v != 7 {
		t.Errorf("the other search got version %d, want 7", v)
	}
}
