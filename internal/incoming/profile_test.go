package incoming

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/apperr"
	"portal/internal/catalog"
	"portal/internal/db"
	"portal/internal/i18n"
	"portal/internal/letter"
	"portal/internal/testutil"
	"portal/internal/user"
)

type fixture struct {
	s        *Service
	d        *db.DB
	incoming *user.User
	student  *user.User
	partner  catalog.Institution
	home     catalog.Institution
}

func newFixture(t *testing.T, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(d, bundle, nil)
	if _, err := cat.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	users := user.NewStore(d)
	f := fixture{s: NewService(d, cat, nil), d: d}
	f.incoming, err = users.SignIn(ctx, user.Identity{Issuer: "https://portal.test/signin/email", Subject: "haruka@kumamoto-u.test",
		Email: "haruka@kumamoto-u.test", Name: "haruka@kumamoto-u.test", Roles: []user.Role{user.Incoming}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.student, err = users.SignIn(ctx, user.Identity{Issuer: "https://sso.test", Subject: "s1", Roles: []user.Role{user.Student}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	all, err := cat.Institutions(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range all {
		if i.IsHome {
			f.home = i
		} else if f.partner.ID == 0 {
			f.partner = i
		}
	}
	if f.home.ID == 0 || f.partner.ID == 0 {
		t.Fatal("the demo catalog has no home or no partner")
	}
	return f
}

func valid() ProfileInput {
	return ProfileInput{NameLatin: "  Sato   Haruka ", NameNative: "佐藤遥", Nationality: "jp", HomeInstitutionName: "Kumamoto University",
		HomeCountry: "JP", YearOfStudy: "5", GivenNames: " Haruka", FamilyName: "SATO ", BirthDate: "2003-05-14", PassportNumber: "tr 123 4567"}
}

// Every rule of the form, each wrong field named with its message; a
// refused form writes nothing.
func TestProfileValidation(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		partnerID := strconv.FormatInt(f.partner.ID, 10)
		cases := []struct {
			name   string
			change func(*ProfileInput)
			want   map[string]string // field -> key
		}{
			{"empty", func(in *ProfileInput) { *in = ProfileInput{} }, map[string]string{
				"family_name": "profile.err.family_required", "birth_date": "profile.err.birth_required",
				"nationality":   "incoming.profile.err.nationality_required",
				"year_of_study": "incoming.profile.err.year_required", "home_institution_id": "incoming.profile.err.home_required"}},
			{"native script in the Latin name", func(in *ProfileInput) { in.NameLatin = "佐藤遥" }, map[string]string{"name_latin": "incoming.profile.err.name_latin_script"}},
			{"Cyrillic in the Latin name", func(in *ProfileInput) { in.NameLatin = "Мария Иванова" }, map[string]string{"name_latin": "incoming.profile.err.name_latin_script"}},
			{"too long", func(in *ProfileInput) { in.NameLatin = strings.Repeat("a", 201) }, map[string]string{"name_latin": "incoming.profile.err.too_long"}},
			{"a printed name of other words", func(in *ProfileInput) { in.NameLatin = "Sato Hanako" }, map[string]string{"name_latin": "profile.err.name_mismatch"}},
			{"kana in the family name", func(in *ProfileInput) { in.FamilyName = "さとう" }, map[string]string{"family_name": "profile.err.passport_script"}},
			{"Cyrillic in the given names", func(in *ProfileInput) { in.GivenNames = "Мария" }, map[string]string{"given_names": "profile.err.passport_script"}},
			{"no family name", func(in *ProfileInput) { in.FamilyName, in.NameLatin = "", "" }, map[string]string{"family_name": "profile.err.family_required"}},
			{"birth not a date", func(in *ProfileInput) { in.BirthDate = "14/05/2003" }, map[string]string{"birth_date": "profile.err.date"}},
			{"born tomorrow", func(in *ProfileInput) { in.BirthDate = time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly) }, map[string]string{"birth_date": "profile.err.birth_future"}},
			{"born today", func(in *ProfileInput) { in.BirthDate = time.Now().UTC().Format(time.DateOnly) }, map[string]string{"birth_date": "profile.err.birth_future"}},
			{"born this year", func(in *ProfileInput) { in.BirthDate = time.Now().UTC().AddDate(0, -2, 0).Format(time.DateOnly) }, map[string]string{"birth_date": "profile.err.birth_implausible"}},
			{"a wrong century", func(in *ProfileInput) { in.BirthDate = "1903-05-14" }, map[string]string{"birth_date": "profile.err.birth_implausible"}},
			{"a sign in the passport number", func(in *ProfileInput) { in.PassportNumber = "TR-1234567" }, map[string]string{"passport_number": "profile.err.passport_number"}},
			{"a short passport number", func(in *ProfileInput) { in.PassportNumber = "T12" }, map[string]string{"passport_number": "profile.err.passport_number"}},
			{"a full-width passport number", func(in *ProfileInput) { in.PassportNumber = "ＴＲ1234567" }, map[string]string{"passport_number": "profile.err.passport_number"}},
			{"an expired passport", func(in *ProfileInput) { in.PassportExpires = time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly) }, map[string]string{"passport_expires": "profile.err.passport_expired"}},
			{"expiry not a date", func(in *ProfileInput) { in.PassportExpires = "soon" }, map[string]string{"passport_expires": "profile.err.date"}},
			{"valid without a printed name, passport or given names", func(in *ProfileInput) { in.NameLatin, in.PassportNumber, in.GivenNames = "", "", "" }, nil},
			{"valid with the printed name in any order", func(in *ProfileInput) { in.NameLatin = "haruka sato" }, nil},
			{"valid oldest and youngest", func(in *ProfileInput) { in.BirthDate = time.Now().UTC().AddDate(-16, 0, 0).Format(time.DateOnly) }, nil},
			{"year 0", func(in *ProfileInput) { in.YearOfStudy = "0" }, map[string]string{"year_of_study": "incoming.profile.err.year_range"}},
			{"year 9", func(in *ProfileInput) { in.YearOfStudy = "9" }, map[string]string{"year_of_study": "incoming.profile.err.year_range"}},
			{"year words", func(in *ProfileInput) { in.YearOfStudy = "fifth" }, map[string]string{"year_of_study": "incoming.profile.err.year_range"}},
			{"unknown nationality", func(in *ProfileInput) { in.Nationality = "XX" }, map[string]string{"nationality": "incoming.profile.err.country_unknown"}},
			{"not a country", func(in *ProfileInput) { in.Nationality = "EU" }, map[string]string{"nationality": "incoming.profile.err.country_unknown"}},
			{"name without country", func(in *ProfileInput) { in.HomeCountry = "" }, map[string]string{"home_country": "incoming.profile.err.home_country_required"}},
			{"country without name", func(in *ProfileInput) { in.HomeInstitutionName = "" }, map[string]string{"home_institution_name": "incoming.profile.err.home_name_required"}},
			{"unknown partner", func(in *ProfileInput) { in.HomeInstitutionID = "999999" }, map[string]string{"home_institution_id": "incoming.profile.err.partner_unknown"}},
			{"partner not a number", func(in *ProfileInput) { in.HomeInstitutionID = "1x" }, map[string]string{"home_institution_id": "incoming.profile.err.partner_unknown"}},
			{"the home university is no partner", func(in *ProfileInput) { in.HomeInstitutionID = strconv.FormatInt(f.home.ID, 10) },
				map[string]string{"home_institution_id": "incoming.profile.err.partner_unknown"}},
			{"valid with a partner", func(in *ProfileInput) { in.HomeInstitutionID = partnerID }, nil},
			{"valid with name and country", func(*ProfileInput) {}, nil},
			{"valid year 1 and 8", func(in *ProfileInput) { in.YearOfStudy = "8" }, nil},
		}
		for _, c := range cases {
			in := valid()
			c.change(&in)
			before := count(t, d)
			_, err := f.s.Save(ctx, f.incoming, in)
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v", c.name, err)
				}
				continue
			}
			got := apperr.FieldsOf(err)
			if apperr.CodeOf(err) != apperr.Invalid || len(got) != len(c.want) {
				t.Errorf("%s: %v %v, want %v", c.name, err, got, c.want)
				continue
			}
			for field, key := range c.want {
				if got[field].Key != key {
					t.Errorf("%s: %s has %q, want %q", c.name, field, got[field].Key, key)
				}
			}
			if count(t, d) != before {
				t.Errorf("%s: a refused form wrote", c.name)
			}
		}
	})
}

func count(t *testing.T, d *db.DB) string {
	var rows []Profile
	if err := d.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.NameLatin + "|" + r.Nationality + "|" + strconv.Itoa(r.YearOfStudy) + ";")
	}
	return b.String()
}

// Saving twice keeps one profile; a partner brings its name and country;
// the display name follows; only incoming applicants have profiles.
func TestProfileSaveAndGet(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		if _, err := f.s.Get(ctx, f.incoming.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("no profile yet: %v", err)
		}
		if _, err := f.s.Save(ctx, f.incoming, valid()); err != nil {
			t.Fatal(err)
		}
		p, err := f.s.Get(ctx, f.incoming.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.NameLatin != "Sato Haruka" || p.NameNative != "佐藤遥" || p.Nationality != "JP" || p.HomeInstitutionID != nil ||
			p.HomeInstitutionName != "Kumamoto University" || p.HomeCountry != "JP" || p.YearOfStudy != 5 || p.UpdatedAt.IsZero() ||
			p.GivenNames != "Haruka" || p.FamilyName != "SATO" || p.PassportNumber != "TR1234567" || p.PassportExpires != nil ||
			p.BirthDate == nil || p.BirthDate.Format(time.DateOnly) != "2003-05-14" || !p.Complete() || len(p.VisaMissing()) != 0 {
			t.Errorf("profile %+v", p)
		}
		if in := p.Input(); in.BirthDate != "2003-05-14" || in.FamilyName != "SATO" || in.PassportNumber != "TR1234567" {
			t.Errorf("the form shows %+v", in)
		}
		// Without a printed name, the given names come first.
		in := valid()
		in.NameLatin, in.PassportNumber = "", ""
		if p, err = f.s.Save(ctx, f.incoming, in); err != nil || p.NameLatin != "Haruka SATO" || p.PassportNumber != "" ||
			strings.Join(p.VisaMissing(), ",") != "passport_number" {
			t.Errorf("derived: %+v %v", p, err)
		}
		in = valid()
		in.HomeInstitutionID, in.HomeInstitutionName, in.HomeCountry = strconv.FormatInt(f.partner.ID, 10), "", ""
		if _, err := f.s.Save(ctx, f.incoming, in); err != nil {
			t.Fatal(err)
		}
		p, _ = f.s.Get(ctx, f.incoming.ID)
		if p.HomeInstitutionID == nil || *p.HomeInstitutionID != f.partner.ID || p.HomeInstitutionName != f.partner.NameEN || p.HomeCountry != f.partner.Country {
			t.Errorf("with a partner: %+v", p)
		}
		if in := p.Input(); in.HomeInstitutionID != strconv.FormatInt(f.partner.ID, 10) || in.HomeInstitutionName != "" || in.YearOfStudy != "5" {
			t.Errorf("as the form shows it: %+v", in)
		}
		var n int64
		d.Model(&Profile{}).Count(&n)
		var name string
		d.Raw("SELECT name FROM users WHERE id = ?", f.incoming.ID).Scan(&name)
		if n != 1 || name != "Sato Haruka 佐藤遥" {
			t.Errorf("%d profiles, display name %q", n, name)
		}
		if _, err := f.s.Save(ctx, f.student, valid()); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a student saved a profile: %v", err)
		}
	})
}

func TestCountries(t *testing.T) {
	for _, c := range []string{"TW", "JP", "FR", "US", "GB", "IN", "BR", "ZA", "HK"} {
		if !IsCountry(c) {
			t.Errorf("%s is not a country", c)
		}
	}
	for _, c := range []string{"", "jp", "XX", "EU", "UN", "UK", "ZZ", "AA", "001", "J"} {
		if IsCountry(c) {
			t.Errorf("%q is a country", c)
		}
	}
	if n := len(codes()); n < 245 || n > 252 {
		t.Errorf("%d countries; ISO 3166-1 has 249", n)
	}
	zh := Countries("zh-Hant")
	found := false
	for _, c := range zh {
		if c.Code == "JP" && c.Name == "日本" {
			found = true
		}
	}
	if !found || NameOf("en", "FR") != "France" || NameOf("zh-Hant", "TW") != "台灣" {
		t.Errorf("names: JP in Chinese found %v, FR %q, TW %q", found, NameOf("en", "FR"), NameOf("zh-Hant", "TW"))
	}
}

// A letter takes the names of its holder's profile; a visa letter takes the
// passport identity too, and without a profile, or with one that lacks a
// passport fact, is refused naming each missing field.
func TestLetterSubjectFromTheProfile(t *testing.T) {
	t.Parallel()
	testutil.EachDB(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		base := letter.Subject{RequestID: 7, HolderID: f.incoming.ID, NameLatin: "haruka@kumamoto-u.test", DepartmentEN: "Cardiology"}
		if s, err := f.s.LetterSubject(ctx, letter.KindAcceptance, base); err != nil || s.NameLatin != base.NameLatin {
			t.Errorf("without a profile, an acceptance letter keeps the account's name: %+v %v", s, err)
		}
		if _, err := f.s.LetterSubject(ctx, letter.KindVisa, base); len(apperr.FieldsOf(err)) != 3 {
			t.Errorf("a visa letter without a profile: %v", err)
		}
		in := valid()
		in.PassportNumber = ""
		if _, err := f.s.Save(ctx, f.incoming, in); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.LetterSubject(ctx, letter.KindVisa, base)
		if got := apperr.FieldsOf(err); len(got) != 1 || got["passport_number"].Key != "profile.visa.missing.passport_number" {
			t.Errorf("a visa letter without a passport number: %v %v", err, got)
		}
		if _, err := f.s.Save(ctx, f.incoming, valid()); err != nil {
			t.Fatal(err)
		}
		s, err := f.s.LetterSubject(ctx, letter.KindVisa, base)
		if err != nil || s.NameLatin != "Sato Haruka" || s.NameNative != "佐藤遥" || s.HomeInstitution != "Kumamoto University" ||
			s.FamilyName != "SATO" || s.GivenNames != "Haruka" || s.Nationality != "JP" || s.PassportNumber != "TR1234567" ||
			s.BirthDate.Format(time.DateOnly) != "2003-05-14" {
			t.Errorf("visa subject %+v %v", s, err)
		}
		if s, _ := f.s.LetterSubject(ctx, letter.KindAcceptance, base); s.PassportNumber != "" || s.NameLatin != "Sato Haruka" {
			t.Errorf("an acceptance letter's subject %+v", s)
		}
	})
}
