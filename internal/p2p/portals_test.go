package p2p_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/application"
	"portal/internal/audit"
	"portal/internal/config"
	"portal/internal/document"
	"portal/internal/host"
	"portal/internal/p2p"
	"portal/internal/rotation"
	"portal/internal/storage"
	"portal/internal/testutil"
	"portal/internal/user"
	"portal/internal/wiring"
	"portal/internal/wiring/wiringtest"
)

// TestMain removes the databases the tests seeded once when they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveSeeded()
	os.Exit(code)
}

// portal is a whole portal serving on 127.0.0.1.
type portal struct {
	*wiring.App
	base string
}

// start serves a dev portal on dialect, the demo workflows seeded when
// demo. It has no workers: the test sends the partner messages itself
// (Deliver), when it means to.
func start(t *testing.T, dialect string, demo bool) *portal {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults(config.ModeDev)
	cfg.Addr, cfg.BaseURL, cfg.DataDir = ln.Addr().String(), "http://"+ln.Addr().String(), t.TempDir()
	o := wiring.Options{Version: "test", DemoApplications: demo}
	wiringtest.Seed(t, dialect, &cfg, o)
	testutil.LongDatabaseTimeouts(&cfg.Ops)
	cfg.Workers = 0
	ctx, cancel := context.WithCancel(context.Background())
	a, err := wiring.Open(ctx, cfg, o)
	if err != nil {
		cancel()
		ln.Close()
		t.Fatalf("open %s portal: %v", dialect, err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("portal stopped with: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("portal did not stop within 30 s")
		}
		a.Close()
	})
	return &portal{App: a, base: cfg.BaseURL}
}

func (p *portal) person(t *testing.T, subject string, role user.Role) *user.User {
	t.Helper()
	u, err := p.Users.SignIn(context.Background(), user.Identity{Issuer: p.base + "/dev/oidc", Subject: subject,
		Email: subject + "@portal.test", Name: subject, Locale: "en", Roles: []user.Role{role}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (p *portal) scan(t *testing.T, out any, q string, args ...any) {
	t.Helper()
	if err := p.DB.Raw(q, args...).Scan(out).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// post sends body to path on p signed with priv at time at; it returns
// the status and the answer's code.
func post(t *testing.T, p *portal, path string, priv ed25519.PrivateKey, body []byte, at time.Time, nonce string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.base+path, bytes.NewReader(body))
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set(p2p.HeaderKey, base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey)))
	req.Header.Set(p2p.HeaderTimestamp, ts)
	req.Header.Set(p2p.HeaderNonce, nonce)
	req.Header.Set(p2p.HeaderSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(priv, p2p.Canonical(http.MethodPost, path, ts, nonce, body))))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err) // Error, not Fatal: the racing test posts from goroutines
		return 0, ""
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var ans struct{ Code string }
	_ = json.Unmarshal(raw, &ans)
	return resp.StatusCode, ans.Code
}

// TestTwoPortalsExchangeANominationAndItsDecision: the office of portal A
// (SQLite) nominates a student to a partner that runs portal B
// (PostgreSQL); B gets an incoming request with the student's shared
// documents, its coordinator and office accept it, and A's application
// shows the host's acceptance, by B's institution via its portal. A
// replayed, a re-sent, a wrongly signed, a stale and an unknown-key
// message each change nothing.
func TestTwoPortalsExchangeANominationAndItsDecision(t *testing.T) {
	ctx := context.Background()
	a := start(t, testutil.SQLite, true)
	b := start(t, testutil.Postgres, false)
	m := audit.Meta{IP: "127.0.0.1"}

	var officeAID int64
	a.scan(t, &officeAID, "SELECT id FROM users WHERE subject = 'demo-office'")
	officeA, err := a.Users.Find(ctx, officeAID)
	if err != nil {
		t.Fatal(err)
	}
	officeB, coordB := b.person(t, "office-b", user.Office), b.person(t, "coordinator-b", user.Coordinator)

	// The application A's office nominates, and what it asks for.
	var app struct {
		ID, ApplicantID, ElectiveID, InstitutionID int64
		Version, Rank                              int
		StartsOn, EndsOn                           time.Time
	}
	a.scan(t, &app, `SELECT a.id, a.applicant_id, a.version, a.current_choice AS rank, c.elective_id, e.institution_id, p.starts_on, p.ends_on
		FROM applications a JOIN application_choices c ON c.application_id = a.id AND c.rank = a.current_choice
		JOIN electives e ON e.id = c.elective_id JOIN periods p ON p.id = c.period_id
		WHERE a.status = 'office_review' AND p.starts_on > ? ORDER BY p.starts_on DESC LIMIT 1`, time.Now().AddDate(0, 0, 45))
	if app.ID == 0 {
		t.Fatal("the demo has no application at office review for a period far enough ahead")
	}
	// B's department that the elective's specialty names.
	var dep struct {
		ID     int64
		NameEN string
	}
	b.scan(t, &dep, "SELECT id, name_en FROM departments WHERE retired_at IS NULL ORDER BY id LIMIT 1")
	if err := a.DB.Exec("UPDATE electives SET specialty = ? WHERE id = ?", dep.NameEN, app.ElectiveID).Error; err != nil {
		t.Fatal(err)
	}
	weeks := int(app.EndsOn.Sub(rotation.Monday(app.StartsOn)).Hours()/24)/7 + 1
	if err := b.Rotations.SetRules(ctx, officeB, dep.ID, rotation.RulesInput{MinWeeks: "1", MaxWeeks: strconv.Itoa(max(weeks, 8)), LeadDays: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rotations.Publish(ctx, officeB, dep.ID, rotation.PublishInput{Seats: "2",
		RangeInput: rotation.RangeInput{From: app.StartsOn.Format(time.DateOnly), To: app.EndsOn.Format(time.DateOnly)}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Rotations.GrantCoordinator(ctx, coordB.ID, dep.ID); err != nil {
		t.Fatal(err)
	}

	// The two offices exchange keys.
	keyA, err := a.P2P.PublicKey(ctx, officeA)
	if err != nil {
		t.Fatal(err)
	}
	keyB, err := b.P2P.PublicKey(ctx, officeB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.P2P.Trust(ctx, officeA, p2p.TrustInput{InstitutionID: app.InstitutionID, BaseURL: b.base, PublicKey: keyB}, m); err != nil {
		t.Fatal(err)
	}
	var instOfA int64
	b.scan(t, &instOfA, "SELECT id FROM institutions WHERE NOT is_home AND retired_at IS NULL ORDER BY id LIMIT 1")
	if _, err := b.P2P.Trust(ctx, officeB, p2p.TrustInput{InstitutionID: instOfA, BaseURL: a.base, PublicKey: keyA}, m); err != nil {
		t.Fatal(err)
	}

	// The student shares their wallet with the host, then A nominates.
	student, err := a.Users.Find(ctx, app.ApplicantID)
	if err != nil {
		t.Fatal(err)
	}
	wallet(t, a, student.ID)
	var chains []int64
	a.scan(t, &chains, "SELECT DISTINCT chain_id FROM documents WHERE owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL ORDER BY chain_id", student.ID)
	if err := a.Host.Share(ctx, student, app.ID, host.ShareInput{NameLatin: "Lin Mei", NameNative: "林美",
		Chains: map[int64][]int64{app.InstitutionID: chains}}, m); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Applications.Nominate(ctx, officeA, app.ID, application.ReviewInput{Version: app.Version, Comment: "Nominated.", TakeOver: true}); err != nil {
		t.Fatal(err)
	}
	if n, err := a.P2P.Deliver(ctx); err != nil || n != 1 {
		var jobs []struct {
			Attempts  int
			LastError string
		}
		a.scan(t, &jobs, "SELECT attempts, last_error FROM p2p_jobs")
		t.Fatalf("A sent %d nominations (%v), want 1; jobs %+v", n, err, jobs)
	}

	// B has the request, with the documents, from A's portal.
	var req struct {
		RequestID int64
		Status    string
		Docs      int
		Name      string
	}
	b.scan(t, &req, `SELECT r.request_id, q.status, u.name,
		(SELECT COUNT(*) FROM rotation_request_documents d WHERE d.request_id = r.request_id) AS docs
		FROM p2p_received r JOIN rotation_requests q ON q.id = r.request_id JOIN users u ON u.id = q.applicant_id`)
	if req.RequestID == 0 || req.Status != string(rotation.Submitted) {
		t.Fatalf("B's request = %+v, want one submitted", req)
	}
	var shared int
	a.scan(t, &shared, "SELECT COUNT(*) FROM documents WHERE owner_id = ? AND superseded_at IS NULL AND deleted_at IS NULL", student.ID)
	if req.Docs == 0 || req.Docs > shared || req.Name != "Lin Mei 林美" {
		t.Fatalf("B's request has %d documents of %d shared, name %q", req.Docs, shared, req.Name)
	}
	if origin, err := b.P2P.Origin(ctx, req.RequestID); err != nil || origin == "" {
		t.Fatalf("origin of B's request = %q, %v", origin, err)
	}
	queue, err := b.Rotations.Queue(ctx, coordB, rotation.QueueFilter{})
	if err != nil || len(queue) != 1 {
		t.Fatalf("B's coordinator sees %d requests (%v), want the partner's one", len(queue), err)
	}

	// B's coordinator and office accept it; the decision goes back.
	version := func() (v int) {
		b.scan(t, &v, "SELECT version FROM rotation_requests WHERE id = ?", req.RequestID)
		return v
	}
	if _, err := b.Rotations.StartReview(ctx, coordB, req.RequestID, rotation.ReviewInput{Version: version()}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rotations.Forward(ctx, coordB, req.RequestID, rotation.ReviewInput{Version: version()}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rotations.Accept(ctx, officeB, req.RequestID, rotation.AcceptInput{Version: version(), Rank: 1, Comment: "Welcome."}); err != nil {
		t.Fatal(err)
	}
	if n, err := b.P2P.Deliver(ctx); err != nil || n != 1 {
		t.Fatalf("B sent %d decisions (%v), want 1", n, err)
	}
	var got struct {
		Status string
		Via    string
	}
	a.scan(t, &got, `SELECT a.status, e.via FROM applications a JOIN review_events e ON e.application_id = a.id
		WHERE a.id = ? ORDER BY e.id DESC LIMIT 1`, app.ID)
	var hostName string
	a.scan(t, &hostName, "SELECT name_en FROM institutions WHERE id = ?", app.InstitutionID)
	if got.Status != string(application.HostAccepted) || got.Via != p2p.ViaPrefix+hostName {
		t.Fatalf("A's application = %+v, want host_accepted via %s's portal", got, hostName)
	}

	// B's own key, as a thief would replay with it.
	var seed string
	b.scan(t, &seed, "SELECT private_key FROM p2p_keys ORDER BY id LIMIT 1")
	raw, _ := base64.StdEncoding.DecodeString(seed)
	privB := ed25519.NewKeyFromSeed(raw)
	events := func() (n int) {
		a.scan(t, &n, "SELECT COUNT(*) FROM review_events WHERE application_id = ?", app.ID)
		return n
	}
	before := events()
	reject, _ := json.Marshal(p2p.Decision{ID: fmt.Sprintf("%d-%d", app.ID, app.Rank), Decision: application.HostDecisionRejected, Comment: "No."})
	now := time.Now()
	cases := []struct {
		name   string
		priv   ed25519.PrivateKey
		body   []byte
		at     time.Time
		nonce  string
		status int
		code   string
	}{
		{"a second decision on an answered nomination", privB, reject, now, "0123456789abcdef01", http.StatusConflict, p2p.ErrAnswered},
		{"the same request replayed", privB, reject, now, "0123456789abcdef01", http.StatusUnauthorized, p2p.ErrReplay},
		{"a request ten minutes old", privB, reject, now.Add(-10 * time.Minute), "0123456789abcdef02", http.StatusUnauthorized, p2p.ErrTimestamp},
		{"a key nobody trusts", newKey(t), reject, now, "0123456789abcdef03", http.StatusUnauthorized, p2p.ErrUnknownKey},
	}
	for _, c := range cases {
		if st, code := post(t, a, p2p.PathDecisions, c.priv, c.body, c.at, c.nonce); st != c.status || code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, st, code, c.status, c.code)
		}
	}
	// A body changed after signing.
	req2, _ := http.NewRequest(http.MethodPost, a.base+p2p.PathDecisions, bytes.NewReader(reject))
	ts := strconv.FormatInt(now.Unix(), 10)
	req2.Header.Set(p2p.HeaderKey, base64.StdEncoding.EncodeToString(privB.Public().(ed25519.PublicKey)))
	req2.Header.Set(p2p.HeaderTimestamp, ts)
	req2.Header.Set(p2p.HeaderNonce, "0123456789abcdef04")
	req2.Header.Set(p2p.HeaderSignature, base64.StdEncoding.EncodeToString(ed25519.Sign(privB, p2p.Canonical(http.MethodPost, p2p.PathDecisions, ts, "0123456789abcdef04", []byte(`{}`)))))
	if resp, err := http.DefaultClient.Do(req2); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a tampered body: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}
	if events() != before {
		t.Errorf("refused decisions changed A's application")
	}
	// A nomination signed by an unknown key makes no request on B.
	if st, code := post(t, b, p2p.PathNominations, newKey(t), []byte(`{"id":"9-1","name_latin":"X"}`), now, "0123456789abcdef05"); st != http.StatusUnauthorized || code != p2p.ErrUnknownKey {
		t.Errorf("unknown key on B: %d %s", st, code)
	}
	var requests int
	b.scan(t, &requests, "SELECT COUNT(*) FROM rotation_requests")
	if requests != 1 {
		t.Errorf("B has %d requests, want the one", requests)
	}
}

// wallet gives the student a document of each type a rotation request
// needs that they lack, as they would upload it on A.
func wallet(t *testing.T, p *portal, owner int64) {
	t.Helper()
	ctx := context.Background()
	files, err := storage.Open(ctx, p.Config.Storage())
	if err != nil {
		t.Fatal(err)
	}
	docs := document.NewService(p.DB, files, document.Options{})
	for i, typ := range rotation.RequiredDocs {
		var n int
		p.scan(t, &n, "SELECT COUNT(*) FROM documents WHERE owner_id = ? AND type = ? AND superseded_at IS NULL AND deleted_at IS NULL", owner, typ)
		if n > 0 {
			continue
		}
		body := fmt.Sprintf("%%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%% %s %d\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n", typ, i)
		r, err := docs.Receive(ctx, document.File{Name: typ + ".pdf", DeclaredType: "application/pdf", Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		in := document.Input{Type: typ}
		if document.HasExpiry(typ) {
			in.ExpiresOn = time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
		}
		if _, _, err := docs.Add(ctx, owner, in, r, audit.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
}

func newKey(t *testing.T) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAReplayRacingItsOriginalIsRefused: the same signed request arriving
// eight times at once on PostgreSQL gets past the nonce once; every copy
// is refused as a replay.
func TestAReplayRacingItsOriginalIsRefused(t *testing.T) {
	ctx := context.Background()
	b := start(t, testutil.Postgres, false)
	officeB := b.person(t, "office-b", user.Office)
	var inst int64
	b.scan(t, &inst, "SELECT id FROM institutions WHERE NOT is_home AND retired_at IS NULL ORDER BY id LIMIT 1")
	key := newKey(t)
	if _, err := b.P2P.Trust(ctx, officeB, p2p.TrustInput{InstitutionID: inst, BaseURL: "https://portal.partner.example",
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))}, audit.Meta{}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"7-1","decision":"accepted","comment":""}`)
	now := time.Now()
	const n = 8
	codes := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, code := post(t, b, p2p.PathDecisions, key, body, now, "feedfacefeedface0001")
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	got := map[string]int{}
	for c := range codes {
		got[c]++
	}
	// The one that passed is then refused for what it says: no such
	// nomination was sent to this partner.
	if got[p2p.ErrNotSent] != 1 || got[p2p.ErrReplay] != n-1 {
		t.Errorf("answers %v, want one %s and %d %s", got, p2p.ErrNotSent, n-1, p2p.ErrReplay)
	}

	// A nomination without the documents a request needs is refused
	// before anything is written: no person, no document, no request.
	var dep string
	b.scan(t, &dep, "SELECT name_en FROM departments WHERE retired_at IS NULL ORDER BY id LIMIT 1")
	nom, _ := json.Marshal(p2p.Nomination{ID: "8-1", NameLatin: "Lin Mei", Specialty: dep, StartsOn: "2030-03-04", EndsOn: "2030-03-31"})
	count := func() (n int) {
		b.scan(t, &n, "SELECT (SELECT COUNT(*) FROM users WHERE issuer LIKE 'p2p:%') + (SELECT COUNT(*) FROM rotation_requests) + (SELECT COUNT(*) FROM documents)")
		return n
	}
	before := count()
	if st, code := post(t, b, p2p.PathNominations, key, nom, now, "feedfacefeedface0002"); st != http.StatusUnprocessableEntity || code != p2p.ErrDocuments {
		t.Errorf("a nomination without documents: %d %s", st, code)
	}
	if count() != before {
		t.Error("a refused nomination left something on B")
	}

	// The purge forgets only nonces too old to replay: the ones just used
	// still refuse their replay afterwards.
	if err := b.DB.Exec("INSERT INTO p2p_nonces (public_key, nonce, seen_at) VALUES (?, ?, ?)",
		"old-key", "00aa", time.Now().Add(-16*time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := b.P2P.PurgeNonces(ctx); err != nil || n != 1 {
		t.Fatalf("purge forgot %d nonces (%v), want the one 16 minutes old", n, err)
	}
	if _, code := post(t, b, p2p.PathDecisions, key, body, now, "feedfacefeedface0001"); code != p2p.ErrReplay {
		t.Errorf("after the purge the replay is answered %s, want %s", code, p2p.ErrReplay)
	}
}
