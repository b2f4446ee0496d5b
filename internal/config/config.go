// Package config gathers every setting of the portal in one struct, read from
// PORTAL_* environment variables, so that main can validate it once and fail
// with every problem named before anything starts.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"portal/internal/clock"
)

// Mode says how the process runs; the development provider and demo data
// exist only in ModeDev.
type Mode string

// The modes of the portal binary.
const (
	ModeDev   Mode = "dev"
	ModeServe Mode = "serve"
)

// Config is the whole configuration. Zero values are replaced by Defaults.
type Config struct {
	Mode    Mode
	Addr    string // listen address
	BaseURL string // public URL the browser sees, no trailing slash
	DataDir string // SQLite file and local storage in dev mode

	DatabaseURL string // postgres://... or a SQLite file path
	DBMaxOpen   int
	DBMaxIdle   int

	OIDCIssuer       string
	OIDCDiscoveryURL string // optional: where the portal reaches the issuer when it differs (containers)
	OIDCClientID     string
	OIDCClientSecret string
	// OIDCTokenAuth is the token endpoint's client authentication method
	// registered for the client: client_secret_basic or client_secret_post.
	OIDCTokenAuth  string
	OIDCScopes     []string
	OIDCRolesClaim string
	// OIDCRoleMap maps claim values to portal roles; a value absent from the
	// map is taken as a role name when it is one.
	OIDCRoleMap map[string]string

	SessionIdle     time.Duration
	SessionAbsolute time.Duration

	LogFormat string // text or json
	LogLevel  string // debug, info, warn, error

	// Metrics serves /metrics (Prometheus text). Off by default in serve,
	// where it belongs behind the cluster's network policy.
	Metrics bool

	// documents
	// UploadMaxBytes is the largest document a person may upload; zero
	// means DefaultUploadMaxBytes.
	UploadMaxBytes int64
	// StorageURL is where uploaded documents live: a directory or file://
	// URL, or s3://bucket?region=...&endpoint=... for S3-compatible storage;
	// empty means the directory files under DataDir.
	StorageURL string

	// notifications
	// Workers is how many outbox workers send mail on this replica
	// (PORTAL_WORKERS); 0 turns them off here, so that only some replicas
	// send. Load sets DefaultWorkers when the variable is absent; Defaults
	// leaves it 0, so a Config built by hand sends nothing unless told.
	Workers int
	// SMTP server mail leaves through. In dev mode mail is captured and
	// shown at /dev/mail unless SMTPHost is set.
	SMTPHost     string
	SMTPPort     int    // 0: by TLS mode, 587 for starttls, 465 for tls, 25 for none
	SMTPTLS      string // none, starttls or tls; empty means starttls (none in dev)
	SMTPUsername string
	SMTPPassword string
	SMTPFrom     string // sender, "Name <address>" or an address
	// MailMaxAttempts is how many times a mail is tried before it is
	// failed and shown to admins; 0 means DefaultMailMaxAttempts.
	MailMaxAttempts int

	// review queues
	// ReviewStaleDays is how many days in one stage mark an application as
	// waiting too long in the reviewers' queue; 0 means DefaultReviewStaleDays.
	ReviewStaleDays int
	// TrustedProxies are the networks of the reverse proxies in front of
	// the portal (an ingress, a load balancer), from PORTAL_TRUSTED_PROXIES.
	// A request from one of them is taken to come from the address its
	// X-Forwarded-For names; without any, the peer's address is the client,
	// and behind a proxy every visitor would share the per-client limits.
	TrustedProxies []*net.IPNet
	// OfferDays is how long a student has to answer a host's offer before
	// it expires and frees the seat; 0 means the workflow's default (14).
	OfferDays int

	// incoming sign-in
	// PartnerProviders are OpenID providers beside the university's (a
	// partner university's, say), from PORTAL_PARTNER_PROVIDERS; their
	// people sign in as incoming applicants only.
	PartnerProviders []PartnerProvider

	// operations: database timeouts and shutdown
	Ops Ops

	// time zone
	// TimeZone is the IANA name of the zone every time is shown in and
	// every deadline ends a day of (PORTAL_TIME_ZONE); DefaultTimeZone
	// unless set. Validate refuses a zone the binary does not know.
	TimeZone string

	// students
	// OIDCClaimStudentNumber and OIDCClaimYearOfStudy name the university
	// provider's claims (dotted paths, like OIDCRolesClaim) that carry a
	// home student's number and year of study, from
	// PORTAL_OIDC_CLAIM_STUDENT_NUMBER and PORTAL_OIDC_CLAIM_YEAR_OF_STUDY.
	OIDCClaimStudentNumber string
	OIDCClaimYearOfStudy   string
	// help
	// OfficeContact is how people reach the international office (an
	// address, PORTAL_OFFICE_CONTACT): a page refusing an action names it.
	OfficeContact string

	// privacy
	// NoticeAtSignIn sends a signed-in person who has not acknowledged the
	// current general privacy notice to it before any page (issue 18).
	// Load sets it unless PORTAL_NOTICE_AT_SIGNIN is false; Defaults leaves
	// it off, as Workers, so that a Config built by hand asks nobody.
	NoticeAtSignIn bool
}

// Defaults returns the configuration of a mode before the environment is read.
func Defaults(mode Mode) Config {
	c := Config{
		Mode:            mode,
		Addr:            ":8080",
		DataDir:         "./var",
		DBMaxOpen:       4 * runtime.NumCPU(),
		OIDCScopes:      []string{"openid", "profile", "email"},
		OIDCRolesClaim:  "groups",
		OIDCRoleMap:     map[string]string{},
		SessionIdle:     30 * time.Minute,
		SessionAbsolute: 12 * time.Hour,
		LogFormat:       "json",
		LogLevel:        "info",
		Ops:             defaultOps(mode),
		TimeZone:        DefaultTimeZone,
		// students
		OIDCClaimStudentNumber: DefaultClaimStudentNumber,
		OIDCClaimYearOfStudy:   DefaultClaimYearOfStudy,
	}
	if mode == ModeDev {
		c.Addr = "127.0.0.1:8080"
		c.LogFormat = "text"
		c.Metrics = true
	}
	return c
}

// Load reads PORTAL_* variables through getenv over the defaults of mode.
// Malformed values are reported by Validate, not here, so that the operator
// sees every problem at once.
func Load(mode Mode, getenv func(string) string) (Config, []error) {
	c := Defaults(mode)
	var errs []error
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	num := func(name string, dst *int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				errs = append(errs, fmt.Errorf("%s must be a positive whole number, got %q", name, v))
				return
			}
			*dst = n
		}
	}
	dur := func(name string, dst *time.Duration) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s must be a positive duration such as 30m or 12h, got %q", name, v))
				return
			}
			*dst = d
		}
	}
	str("PORTAL_ADDR", &c.Addr)
	str("PORTAL_BASE_URL", &c.BaseURL)
	str("PORTAL_DATA_DIR", &c.DataDir)
	str("PORTAL_DATABASE_URL", &c.DatabaseURL)
	num("PORTAL_DB_MAX_OPEN", &c.DBMaxOpen)
	num("PORTAL_DB_MAX_IDLE", &c.DBMaxIdle)
	str("PORTAL_OIDC_ISSUER", &c.OIDCIssuer)
	str("PORTAL_OIDC_DISCOVERY_URL", &c.OIDCDiscoveryURL)
	str("PORTAL_OIDC_CLIENT_ID", &c.OIDCClientID)
	str("PORTAL_OIDC_CLIENT_SECRET", &c.OIDCClientSecret)
	str("PORTAL_OIDC_TOKEN_AUTH", &c.OIDCTokenAuth)
	for _, v := range strings.FieldsFunc(getenv("PORTAL_TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		if !strings.Contains(v, "/") { // one address: a network of one
			if ip := net.ParseIP(v); ip != nil && ip.To4() != nil {
				v += "/32"
			} else {
				v += "/128"
			}
		}
		_, n, err := net.ParseCIDR(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PORTAL_TRUSTED_PROXIES must list addresses or networks such as 10.0.0.0/8, got %q", v))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	if v := strings.TrimSpace(getenv("PORTAL_OIDC_SCOPES")); v != "" {
		c.OIDCScopes = strings.Fields(strings.ReplaceAll(v, ",", " "))
	}
	str("PORTAL_OIDC_ROLES_CLAIM", &c.OIDCRolesClaim)
	if v := strings.TrimSpace(getenv("PORTAL_OIDC_ROLE_MAP")); v != "" {
		m, err := ParseRoleMap(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PORTAL_OIDC_ROLE_MAP: %w", err))
		}
		c.OIDCRoleMap = m
	}
	dur("PORTAL_SESSION_IDLE", &c.SessionIdle)
	dur("PORTAL_SESSION_ABSOLUTE", &c.SessionAbsolute)
	str("PORTAL_LOG_FORMAT", &c.LogFormat)
	str("PORTAL_LOG_LEVEL", &c.LogLevel)
	if v := strings.TrimSpace(getenv("PORTAL_METRICS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PORTAL_METRICS must be true or false, got %q", v))
		}
		c.Metrics = b
	}
	c.NoticeAtSignIn = true
	if v := strings.TrimSpace(getenv("PORTAL_NOTICE_AT_SIGNIN")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PORTAL_NOTICE_AT_SIGNIN must be true or false, got %q", v))
		}
		c.NoticeAtSignIn = b
	}
	if getenv("PORTAL_DEV_PROVIDER") != "" && mode != ModeDev {
		errs = append(errs, errors.New("PORTAL_DEV_PROVIDER is set, but the development provider exists only in `portal dev`; unset it"))
	}

	// documents
	if v := strings.TrimSpace(getenv("PORTAL_UPLOAD_MAX_BYTES")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			errs = append(errs, fmt.Errorf("PORTAL_UPLOAD_MAX_BYTES must be a number of bytes between 1024 and 1073741824, got %q", v))
		} else {
			c.UploadMaxBytes = n
		}
	}
	str("PORTAL_STORAGE_URL", &c.StorageURL)
	if err := checkStorageURL(c.StorageURL); err != nil {
		errs = append(errs, fmt.Errorf("PORTAL_STORAGE_URL %w", err))
	}

	// notifications
	between := func(name string, lo, hi int, dst *int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				errs = append(errs, fmt.Errorf("%s must be a whole number from %d to %d, got %q", name, lo, hi, v))
				return
			}
			*dst = n
		}
	}
	c.Workers = DefaultWorkers
	between("PORTAL_WORKERS", 0, 64, &c.Workers)
	str("PORTAL_SMTP_HOST", &c.SMTPHost)
	between("PORTAL_SMTP_PORT", 1, 65535, &c.SMTPPort)
	str("PORTAL_SMTP_TLS", &c.SMTPTLS)
	str("PORTAL_SMTP_USERNAME", &c.SMTPUsername)
	if v := getenv("PORTAL_SMTP_PASSWORD"); v != "" {
		c.SMTPPassword = v // spaces may belong to a password
	}
	str("PORTAL_SMTP_FROM", &c.SMTPFrom)
	between("PORTAL_MAIL_MAX_ATTEMPTS", 1, 50, &c.MailMaxAttempts)
	between("PORTAL_REVIEW_STALE_DAYS", 1, 365, &c.ReviewStaleDays)
	between("PORTAL_OFFER_DAYS", 1, 90, &c.OfferDays)

	// incoming sign-in
	c.PartnerProviders = loadPartners(getenv)

	// operations: database timeouts and shutdown
	errs = append(errs, c.Ops.load(getenv)...)

	// time zone
	str("PORTAL_TIME_ZONE", &c.TimeZone)

	// students
	str("PORTAL_OIDC_CLAIM_STUDENT_NUMBER", &c.OIDCClaimStudentNumber)
	str("PORTAL_OIDC_CLAIM_YEAR_OF_STUDY", &c.OIDCClaimYearOfStudy)
	// help
	str("PORTAL_OFFICE_CONTACT", &c.OfficeContact)

	if c.DBMaxIdle == 0 {
		// database/sql keeps 2 idle connections by default, which makes a
		// busy server open a new PostgreSQL backend per request.
		c.DBMaxIdle = c.DBMaxOpen
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if mode == ModeDev {
		if c.DatabaseURL == "" {
			c.DatabaseURL = filepath.Join(c.DataDir, "portal.db")
		}
		if c.BaseURL == "" {
			c.BaseURL = "http://" + devHost(c.Addr)
		}
	}
	return c, errs
}

func devHost(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "127.0.0.1" + addr
	}
	return addr
}

// ParseRoleMap reads "claimValue=role,other=role".
func ParseRoleMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
			return m, fmt.Errorf("%q is not claimValue=role", pair)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m, nil
}

// Validate names every problem of c, one error per problem. The development
// provider settings are filled in by `portal dev` itself, so only serve mode
// demands the OIDC variables.
func (c Config) Validate(knownRoles []string) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Addr == "" {
		add("PORTAL_ADDR is empty; set a listen address such as :8080")
	}
	if c.DatabaseURL == "" {
		add("PORTAL_DATABASE_URL is missing; set a postgres:// URL or a SQLite file path")
	} else if strings.Contains(c.DatabaseURL, "://") && !isPostgres(c.DatabaseURL) {
		add("PORTAL_DATABASE_URL must be a postgres:// URL or a SQLite file path, got scheme %q", strings.SplitN(c.DatabaseURL, "://", 2)[0])
	}
	if c.DBMaxIdle > c.DBMaxOpen {
		add("PORTAL_DB_MAX_IDLE (%d) is larger than PORTAL_DB_MAX_OPEN (%d)", c.DBMaxIdle, c.DBMaxOpen)
	}
	if c.Mode == ModeServe {
		if c.BaseURL == "" {
			add("PORTAL_BASE_URL is missing; set the public URL of the portal, e.g. https://exchange.example.edu")
		} else if err := absURL(c.BaseURL); err != nil {
			add("PORTAL_BASE_URL %v", err)
		}
		if c.OIDCIssuer == "" {
			add("PORTAL_OIDC_ISSUER is missing; set the issuer URL of the university identity provider")
		} else if err := absURL(c.OIDCIssuer); err != nil {
			add("PORTAL_OIDC_ISSUER %v", err)
		}
		if c.OIDCDiscoveryURL != "" {
			if err := absURL(c.OIDCDiscoveryURL); err != nil {
				add("PORTAL_OIDC_DISCOVERY_URL %v", err)
			}
		}
		if c.OIDCClientID == "" {
			add("PORTAL_OIDC_CLIENT_ID is missing; set the client id registered with the identity provider")
		}
		if c.OIDCClientSecret == "" {
			add("PORTAL_OIDC_CLIENT_SECRET is missing; set the client secret registered with the identity provider")
		}
	}
	if !validTokenAuth(c.OIDCTokenAuth) {
		add("PORTAL_OIDC_TOKEN_AUTH is %q; use client_secret_basic (the default) or client_secret_post, as registered for the client", c.OIDCTokenAuth)
	}
	if !slices.Contains(c.OIDCScopes, "openid") {
		add("PORTAL_OIDC_SCOPES must include openid")
	}
	for claim, role := range c.OIDCRoleMap {
		if !slices.Contains(knownRoles, role) {
			add("PORTAL_OIDC_ROLE_MAP maps %q to unknown role %q (known: %s)", claim, role, strings.Join(knownRoles, ", "))
		}
	}
	if c.SessionIdle > c.SessionAbsolute {
		add("PORTAL_SESSION_IDLE (%s) is longer than PORTAL_SESSION_ABSOLUTE (%s)", c.SessionIdle, c.SessionAbsolute)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add("PORTAL_LOG_FORMAT must be text or json, got %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("PORTAL_LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel)
	}
	// notifications
	switch c.SMTPTLS {
	case "", "none", "starttls", "tls":
	default:
		add("PORTAL_SMTP_TLS must be none, starttls or tls, got %q", c.SMTPTLS)
	}
	if c.Mode == ModeServe && c.Workers > 0 {
		if c.SMTPHost == "" {
			add("PORTAL_SMTP_HOST is missing; set the SMTP server mail leaves through, or PORTAL_WORKERS=0 on a replica that sends no mail")
		}
		if c.SMTPFrom == "" {
			add("PORTAL_SMTP_FROM is missing; set the sender of the portal's mail, e.g. Electives Office <electives@example.edu>")
		}
	}
	if c.SMTPFrom != "" {
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			add("PORTAL_SMTP_FROM must be an address such as Electives Office <electives@example.edu>, got %q", c.SMTPFrom)
		}
	}
	if c.SMTPPassword != "" && c.SMTPUsername == "" {
		add("PORTAL_SMTP_PASSWORD is set without PORTAL_SMTP_USERNAME")
	}
	errs = append(errs, c.validatePartners()...)
	errs = append(errs, c.Ops.validate()...)
	// time zone
	if _, err := c.Zone(); err != nil {
		add("PORTAL_TIME_ZONE: %v", err)
	}
	// students
	for _, v := range [][2]string{{"PORTAL_OIDC_CLAIM_STUDENT_NUMBER", c.OIDCClaimStudentNumber},
		{"PORTAL_OIDC_CLAIM_YEAR_OF_STUDY", c.OIDCClaimYearOfStudy}} {
		if !validClaimPath(v[1]) {
			add("%s is %q; name a claim of the university's ID token, e.g. student_number, or a dotted path such as student.number", v[0], v[1])
		}
	}
	// help
	if c.OfficeContact != "" {
		if _, err := mail.ParseAddress(c.OfficeContact); err != nil {
			add("PORTAL_OFFICE_CONTACT must be an address such as exchange@example.edu, got %q", c.OfficeContact)
		}
	}
	return errs
}

// Secure reports whether the portal is served over HTTPS, which decides the
// cookie prefix and Secure flag and whether HSTS is sent.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// isPostgres reports whether a database URL names PostgreSQL, as
// db.IsPostgres does; config does not import db and its drivers.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func absURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an absolute http(s) URL, got %q", s)
	}
	return nil
}

// documents

// DefaultUploadMaxBytes is the upload limit when none is configured: 10 MB.
const DefaultUploadMaxBytes = 10 << 20

// UploadLimit is the largest document a person may upload.
func (c Config) UploadLimit() int64 {
	if c.UploadMaxBytes > 0 {
		return c.UploadMaxBytes
	}
	return DefaultUploadMaxBytes
}

// Storage is where uploaded documents live: StorageURL, or by default the
// directory files under DataDir (outside any web root: static files are
// embedded in the binary).
func (c Config) Storage() string {
	if c.StorageURL != "" {
		return c.StorageURL
	}
	return filepath.Join(c.DataDir, "files")
}

func checkStorageURL(s string) error {
	if s == "" || !strings.Contains(s, "://") {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("is not a URL: %v", err)
	}
	switch u.Scheme {
	case "file":
		if u.Path == "" {
			return fmt.Errorf("file:// needs a path, got %q", s)
		}
	case "s3":
		if u.Host == "" {
			return fmt.Errorf("s3:// needs a bucket name, e.g. s3://portal-documents?region=eu-west-1")
		}
	default:
		return fmt.Errorf("must be a directory, a file:// URL or an s3:// URL, got scheme %q", u.Scheme)
	}
	return nil
}

// notifications

// DefaultWorkers is how many outbox workers a replica runs unless
// PORTAL_WORKERS says otherwise.
const DefaultWorkers = 2

// DefaultMailMaxAttempts is how many times a mail is tried before it fails.
const DefaultMailMaxAttempts = 8

// MailAttempts is how many times a mail is tried before it fails.
func (c Config) MailAttempts() int {
	if c.MailMaxAttempts > 0 {
		return c.MailMaxAttempts
	}
	return DefaultMailMaxAttempts
}

// SMTPTLSMode is the TLS mode of the SMTP connection: the configured one,
// or starttls (none in dev mode, where mail catchers listen in plain text).
func (c Config) SMTPTLSMode() string {
	switch {
	case c.SMTPTLS != "":
		return c.SMTPTLS
	case c.Mode == ModeDev:
		return "none"
	}
	return "starttls"
}

// incoming sign-in

// PartnerProvider is one partner OpenID provider: PORTAL_PARTNER_<NAME>_*
// for each name of PORTAL_PARTNER_PROVIDERS.
type PartnerProvider struct {
	Name, Label, Issuer, DiscoveryURL, ClientID, ClientSecret string
	TokenAuth                                                 string // as Config.OIDCTokenAuth
}

// validTokenAuth says whether v is a token auth method the portal speaks.
func validTokenAuth(v string) bool {
	return v == "" || v == "client_secret_basic" || v == "client_secret_post"
}

// partnerVar is the variable of setting for partner name: "uni-a" and
// "ISSUER" give PORTAL_PARTNER_UNI_A_ISSUER.
func partnerVar(name, setting string) string {
	return "PORTAL_PARTNER_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_" + setting
}

func loadPartners(getenv func(string) string) []PartnerProvider {
	var out []PartnerProvider
	for _, name := range strings.Split(getenv("PORTAL_PARTNER_PROVIDERS"), ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		v := func(setting string) string { return strings.TrimSpace(getenv(partnerVar(name, setting))) }
		p := PartnerProvider{Name: name, Label: v("LABEL"), Issuer: v("ISSUER"), // exactly as given: tokens must name it so
			DiscoveryURL: v("DISCOVERY_URL"), ClientID: v("CLIENT_ID"), ClientSecret: getenv(partnerVar(name, "CLIENT_SECRET")),
			TokenAuth: v("TOKEN_AUTH")}
		out = append(out, p)
	}
	return out
}

// validatePartners names every problem of the partner providers. A
// partner may not share the university's issuer, nor another partner's:
// each identity is bound to its issuer, and two providers with one issuer
// would be one provider with two policies.
func (c Config) validatePartners() []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	names, issuers := map[string]bool{}, map[string]string{}
	for _, p := range c.PartnerProviders {
		if !validPartnerName(p.Name) {
			add("PORTAL_PARTNER_PROVIDERS: %q is not a provider name; use lowercase letters, digits and dashes (at most 32)", p.Name)
			continue
		}
		if names[p.Name] {
			add("PORTAL_PARTNER_PROVIDERS names %q twice", p.Name)
			continue
		}
		names[p.Name] = true
		switch {
		case p.Issuer == "":
			add("%s is missing; set the issuer URL of partner provider %q", partnerVar(p.Name, "ISSUER"), p.Name)
		case absURL(p.Issuer) != nil:
			add("%s %v", partnerVar(p.Name, "ISSUER"), absURL(p.Issuer))
		case c.OIDCIssuer == p.Issuer:
			add("%s is the university's issuer (PORTAL_OIDC_ISSUER); a partner provider needs an issuer of its own", partnerVar(p.Name, "ISSUER"))
		case issuers[p.Issuer] != "":
			add("%s is also the issuer of partner provider %q", partnerVar(p.Name, "ISSUER"), issuers[p.Issuer])
		default:
			issuers[p.Issuer] = p.Name
		}
		if !validTokenAuth(p.TokenAuth) {
			add("%s is %q; use client_secret_basic (the default) or client_secret_post", partnerVar(p.Name, "TOKEN_AUTH"), p.TokenAuth)
		}
		if p.DiscoveryURL != "" && absURL(p.DiscoveryURL) != nil {
			add("%s %v", partnerVar(p.Name, "DISCOVERY_URL"), absURL(p.DiscoveryURL))
		}
		if p.ClientID == "" {
			add("%s is missing; set the client id registered with partner provider %q", partnerVar(p.Name, "CLIENT_ID"), p.Name)
		}
		if p.ClientSecret == "" {
			add("%s is missing; set the client secret registered with partner provider %q", partnerVar(p.Name, "CLIENT_SECRET"), p.Name)
		}
		if p.Label == "" {
			add("%s is missing; set the text of its sign-in button, e.g. Sign in with Kumamoto University", partnerVar(p.Name, "LABEL"))
		}
	}
	return errs
}

func validPartnerName(s string) bool {
	if s == "" || len(s) > 32 || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// review queues

// DefaultReviewStaleDays is when an application counts as waiting too long
// in its stage, unless PORTAL_REVIEW_STALE_DAYS says otherwise.
const DefaultReviewStaleDays = 7

// StaleDays is how many days in one stage highlight an application in the
// reviewers' queue.
func (c Config) StaleDays() int {
	if c.ReviewStaleDays > 0 {
		return c.ReviewStaleDays
	}
	return DefaultReviewStaleDays
}

// time zone

// DefaultTimeZone is the portal's time zone unless PORTAL_TIME_ZONE says
// otherwise: the university's.
const DefaultTimeZone = "Asia/Taipei"

// Zone is the time zone of TimeZone, which the services show times in.
func (c Config) Zone() (clock.Zone, error) { return clock.Load(c.TimeZone) }

// students

// The claims a home student's number and year of study come in unless
// PORTAL_OIDC_CLAIM_STUDENT_NUMBER and PORTAL_OIDC_CLAIM_YEAR_OF_STUDY say
// otherwise.
const (
	DefaultClaimStudentNumber = "student_number"
	DefaultClaimYearOfStudy   = "year_of_study"
)

// validClaimPath says whether p names a claim: names without spaces,
// joined by single dots. A hand-built Config may leave it empty, which
// reads no claim.
func validClaimPath(p string) bool {
	if p == "" {
		return true
	}
	for _, part := range strings.Split(p, ".") {
		if part == "" || strings.ContainsFunc(part, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return false
		}
	}
	return true
}
