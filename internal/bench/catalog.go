package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"portal/internal/catalog"
	"portal/internal/i18n"
)

// CatalogQueries are the words the catalog-search scenario looks for,
// each found in about 1 to 5% of the generated electives: a focus of one
// specialty, a focus of two, and a specialty's Chinese name.
var CatalogQueries = []string{"hepatitis", "transplant", "stroke", "心臟", "echocardiography"}

// Catalog is what the generator made of the catalog: enough of every
// live elective to predict what a search finds and which page to expect.
type Catalog struct {
	Institutions, Agreements, Periods int
	Electives                         []GenElective // live ones, by id
	Today                             time.Time
}

// GenElective is a generated, live elective as a search sees it.
type GenElective struct {
	ID         int64
	TitleEN    string
	Country    string
	SearchText string
	ClosesOn   time.Time
}

// Expect returns how many electives a search for text (all its words) in
// country ("" for any) finds, and the English title of the first card, in
// the order the catalog lists them: the most relevant first
// (catalog.Relevance), then open windows, then by closing day and id.
func (c Catalog) Expect(text, country string) (total int, first string) {
	words := strings.Fields(catalog.Fold(text))
	var best *GenElective
	bestScore := 0
	for i := range c.Electives {
		e := &c.Electives[i]
		if country != "" && e.Country != country || !containsAll(e.SearchText, words) {
			continue
		}
		total++
		score, _ := catalog.Relevance(e.SearchText, words)
		if best == nil || score > bestScore || score == bestScore && c.before(e, best) {
			best, bestScore = e, score
		}
	}
	if best != nil {
		first = best.TitleEN
	}
	return total, first
}

func (c Catalog) before(a, b *GenElective) bool {
	ac, bc := a.ClosesOn.Before(c.Today), b.ClosesOn.Before(c.Today)
	if ac != bc {
		return !ac
	}
	if !a.ClosesOn.Equal(b.ClosesOn) {
		return a.ClosesOn.Before(b.ClosesOn)
	}
	return a.ID < b.ID
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// partnersFor is the number of partner institutions for n electives: one
// per fifty, up to 200, as a large university's international office has.
func partnersFor(n int) int { return min(max((n+49)/50, 1), 200) }

// generateCatalog adds the home institution, partners with agreements,
// n electives at them and 2 to 4 periods each, in batches inside tx.
func generateCatalog(tx *gorm.DB, rng *rand.Rand, names *i18n.Bundle, n int, now time.Time) (Catalog, error) {
	today := catalog.Day(now)
	cat := Catalog{Today: today}
	if n == 0 {
		return cat, nil
	}
	insts := makeInstitutions(rng, partnersFor(n), now)
	if err := insert(tx, "institutions", insts); err != nil {
		return cat, err
	}
	partners := insts[1:] // the first is home
	agreements := makeAgreements(rng, partners, now)
	if err := insert(tx, "agreements", agreements); err != nil {
		return cat, err
	}
	electives := makeElectives(rng, names, partners, agreements, n, now)
	if err := insert(tx, "electives", electives); err != nil {
		return cat, err
	}
	periods := makePeriods(rng, electives, now)
	if err := insert(tx, "periods", periods); err != nil {
		return cat, err
	}
	country := map[int64]string{}
	for _, i := range insts {
		country[i.ID] = i.Country
	}
	for _, e := range electives {
		if e.RetiredAt == nil {
			cat.Electives = append(cat.Electives, GenElective{ID: e.ID, TitleEN: e.TitleEN, Country: country[e.InstitutionID], SearchText: e.SearchText, ClosesOn: e.ClosesOn})
		}
	}
	cat.Institutions, cat.Agreements, cat.Periods = len(insts), len(agreements), len(periods)
	return cat, nil
}

// city is a partner's city in English and in its own script.
type city struct{ en, local string }

// partnerCountries weighs where partners are: Japan and the United States
// most, as for a Taiwanese medical university, then Korea and Europe.
var partnerCountries = []struct {
	code   string
	weight int
	tld    string
	cities []city
}{
	{"JP", 20, "ac.jp", []city{{"Tokyo", "東京"}, {"Osaka", "大阪"}, {"Kyoto", "京都"}, {"Kumamoto", "熊本"}, {"Sapporo", "札幌"},
		{"Nagoya", "名古屋"}, {"Fukuoka", "福岡"}, {"Sendai", "仙台"}, {"Hiroshima", "広島"}, {"Kobe", "神戸"},
		{"Okayama", "岡山"}, {"Niigata", "新潟"}, {"Kanazawa", "金沢"}, {"Nagasaki", "長崎"}, {"Chiba", "千葉"}}},
	{"US", 15, "edu", []city{{"Boston", ""}, {"Baltimore", ""}, {"Los Angeles", ""}, {"Cleveland", ""}, {"Seattle", ""},
		{"Chicago", ""}, {"Houston", ""}, {"Pittsburgh", ""}, {"San Francisco", ""}, {"New York", ""}, {"Nashville", ""}, {"Ann Arbor", ""}}},
	{"KR", 8, "ac.kr", []city{{"Seoul", "서울"}, {"Busan", "부산"}, {"Daegu", "대구"}, {"Incheon", "인천"}, {"Gwangju", "광주"}, {"Daejeon", "대전"}}},
	{"GB", 7, "ac.uk", []city{{"London", ""}, {"Manchester", ""}, {"Edinburgh", ""}, {"Oxford", ""}, {"Glasgow", ""}, {"Bristol", ""}, {"Leeds", ""}}},
	{"FR", 5, "fr", []city{{"Lille", "Lille"}, {"Paris", "Paris"}, {"Lyon", "Lyon"}, {"Marseille", "Marseille"}, {"Bordeaux", "Bordeaux"}, {"Strasbourg", "Strasbourg"}}},
	{"DE", 5, "de", []city{{"Berlin", "Berlin"}, {"Munich", "München"}, {"Heidelberg", "Heidelberg"}, {"Hamburg", "Hamburg"}, {"Cologne", "Köln"}, {"Freiburg", "Freiburg"}}},
	{"SG", 4, "edu.sg", []city{{"Singapore", ""}}},
	{"AU", 4, "edu.au", []city{{"Sydney", ""}, {"Melbourne", ""}, {"Brisbane", ""}, {"Perth", ""}, {"Adelaide", ""}}},
	{"CA", 4, "ca", []city{{"Toronto", ""}, {"Montreal", ""}, {"Vancouver", ""}, {"Calgary", ""}}},
	{"NL", 3, "nl", []city{{"Amsterdam", "Amsterdam"}, {"Leiden", "Leiden"}, {"Utrecht", "Utrecht"}, {"Rotterdam", "Rotterdam"}, {"Groningen", "Groningen"}}},
	{"TH", 4, "ac.th", []city{{"Bangkok", "กรุงเทพ"}, {"Chiang Mai", "เชียงใหม่"}, {"Khon Kaen", "ขอนแก่น"}}},
	{"MY", 3, "edu.my", []city{{"Kuala Lumpur", ""}, {"Penang", ""}}},
	{"PH", 2, "edu.ph", []city{{"Manila", ""}, {"Cebu", ""}}},
	{"VN", 3, "edu.vn", []city{{"Hanoi", "Hà Nội"}, {"Ho Chi Minh City", "Thành phố Hồ Chí Minh"}, {"Hue", "Huế"}}},
	{"ID", 3, "ac.id", []city{{"Jakarta", ""}, {"Yogyakarta", ""}, {"Surabaya", ""}, {"Bandung", ""}}},
	{"CN", 4, "edu.cn", []city{{"Shanghai", "上海"}, {"Beijing", "北京"}, {"Guangzhou", "广州"}, {"Chengdu", "成都"}}},
	{"HK", 2, "edu.hk", []city{{"Hong Kong", "香港"}}},
}

// institutionPatterns name a partner after its city, in English and, per
// country, in the local language; the identifier gets the suffix.
var institutionPatterns = []struct {
	kind, en, suffix string
	local            map[string]string
}{
	{"university", "University of %s", "u", map[string]string{"JP": "%s大学", "KR": "%s대학교", "CN": "%s大学", "HK": "%s大學",
		"FR": "Université de %s", "DE": "Universität %s", "NL": "Universiteit %s", "TH": "มหาวิทยาลัย%s", "VN": "Đại học %s"}},
	{"university", "%s Medical University", "med", map[string]string{"JP": "%s医科大学", "KR": "%s의과대학교", "CN": "%s医科大学", "HK": "%s醫科大學",
		"FR": "Faculté de médecine de %s", "DE": "Medizinische Hochschule %s", "NL": "Medische Faculteit %s", "VN": "Đại học Y %s"}},
	{"hospital", "%s University Hospital", "hosp", map[string]string{"JP": "%s大学病院", "KR": "%s대학교병원", "CN": "%s大学附属医院", "HK": "%s大學醫院",
		"FR": "CHU de %s", "DE": "Universitätsklinikum %s", "NL": "Universitair Medisch Centrum %s", "TH": "โรงพยาบาล%s"}},
	{"hospital", "%s General Hospital", "gh", map[string]string{"JP": "%s総合病院", "KR": "%s종합병원", "CN": "%s综合医院", "HK": "%s綜合醫院",
		"FR": "Hôpital général de %s", "DE": "Allgemeines Krankenhaus %s", "NL": "Algemeen Ziekenhuis %s", "VN": "Bệnh viện Đa khoa %s"}},
	{"association", "%s Institute of Medical Research", "research", map[string]string{"JP": "%s医学研究所", "KR": "%s의학연구소", "CN": "%s医学研究所",
		"HK": "%s醫學研究所", "FR": "Institut de recherche médicale de %s", "DE": "Institut für medizinische Forschung %s"}},
	{"company", "%s Pharmaceuticals", "pharma", map[string]string{"JP": "%s製薬", "KR": "%s제약", "CN": "%s制药", "HK": "%s製藥"}},
}

// makeInstitutions makes the home institution and partners partners with
// distinct names; IDs are filled by the insert.
func makeInstitutions(rng *rand.Rand, partners int, now time.Time) []catalog.Institution {
	insts := []catalog.Institution{{
		NameEN: "Formosa Medical University", NameLocal: "福爾摩沙醫學大學", Country: "TW", City: "Taipei", Kind: "university",
		Identifier: "fmu.edu.tw", IsHome: true, ContactName: "Office of Global Engagement", ContactEmail: "global@fmu.edu.tw",
		CreatedAt: now.AddDate(-3, 0, 0), UpdatedAt: now.AddDate(-3, 0, 0),
	}}
	total := 0
	for _, c := range partnerCountries {
		total += c.weight
	}
	used := map[string]bool{}
	for len(insts) <= partners {
		w := rng.IntN(total)
		ci := 0
		for w >= partnerCountries[ci].weight {
			w -= partnerCountries[ci].weight
			ci++
		}
		c := partnerCountries[ci]
		ct := c.cities[rng.IntN(len(c.cities))]
		// Companies are rare: one partner in twenty.
		pi := rng.IntN(len(institutionPatterns) - 1)
		if rng.IntN(20) == 0 {
			pi = len(institutionPatterns) - 1
		}
		p := institutionPatterns[pi]
		name := fmt.Sprintf(p.en, ct.en)
		if used[name] {
			if len(used) > 400 { // more partners than names: allow twins in another district
				name += fmt.Sprintf(" (%d)", len(insts))
			} else {
				continue
			}
		}
		used[name] = true
		var local string
		if pat, ok := p.local[c.code]; ok && ct.local != "" {
			local = fmt.Sprintf(pat, ct.local)
		}
		slug := strings.ReplaceAll(strings.ToLower(ct.en), " ", "-")
		created := now.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		insts = append(insts, catalog.Institution{
			NameEN: name, NameLocal: local, Country: c.code, City: ct.en, Kind: p.kind,
			Identifier: slug + "-" + p.suffix + "." + c.tld, Website: "https://www." + slug + "-" + p.suffix + "." + c.tld,
			ContactName: "International Office", ContactEmail: "exchange@" + slug + "-" + p.suffix + "." + c.tld,
			CreatedAt: created, UpdatedAt: created,
		})
	}
	return insts
}

// makeAgreements gives each partner an MOU and, one time in two, a student
// exchange agreement (an internship agreement for companies). Most run for
// years to come; one in twenty ends within 90 days and one in twenty has
// ended, as the office's overview would flag.
func makeAgreements(rng *rand.Rand, partners []catalog.Institution, now time.Time) []catalog.Agreement {
	today := catalog.Day(now)
	var out []catalog.Agreement
	for _, inst := range partners {
		kinds := []string{"mou"}
		switch {
		case inst.Kind == "company":
			kinds = []string{"industry_internship"}
		case rng.IntN(2) == 0:
			kinds = append(kinds, "student_exchange")
		}
		for _, k := range kinds {
			from := today.AddDate(0, 0, -30-rng.IntN(3*365))
			var until time.Time
			switch r := rng.IntN(20); r {
			case 0:
				until = today.AddDate(0, 0, 1+rng.IntN(89))
			case 1:
				until = today.AddDate(0, 0, -1-rng.IntN(200))
			default:
				until = today.AddDate(0, 0, 400+rng.IntN(3*365))
			}
			out = append(out, catalog.Agreement{
				InstitutionID: inst.ID, Kind: k, Title: inst.NameEN + " " + strings.ReplaceAll(k, "_", " ") + " agreement",
				Fields: "clinical medicine,research", ValidFrom: from, ValidUntil: until,
				QuotaOut: 1 + rng.IntN(10), QuotaIn: rng.IntN(8), CreatedAt: from, UpdatedAt: from,
			})
		}
	}
	return out
}

// focus is a field within a specialty that gives an elective its title.
type focus struct{ en, zh string }

// specialtyFocus has three foci per code of catalog.Specialties.
var specialtyFocus = map[string][]focus{
	"internal_medicine":      {{"Diabetes and endocrinology", "糖尿病與內分泌"}, {"Nephrology and dialysis", "腎臟與透析"}, {"General medicine wards", "一般內科病房"}},
	"surgery":                {{"Kidney transplantation", "腎臟移植"}, {"Minimally invasive surgery", "微創手術"}, {"Trauma surgery", "創傷外科"}},
	"pediatrics":             {{"Neonatal intensive care", "新生兒加護"}, {"Pediatric infectious disease", "兒童感染症"}, {"Child development", "兒童發展"}},
	"womens_medicine":        {{"Maternal-fetal medicine", "母胎醫學"}, {"Gynecologic oncology", "婦科腫瘤"}, {"Reproductive endocrinology", "生殖內分泌"}},
	"cardiology":             {{"Echocardiography", "心臟超音波"}, {"Interventional cardiology", "介入性心臟學"}, {"Heart failure clinic", "心衰竭門診"}},
	"thoracic_medicine":      {{"Pulmonary rehabilitation", "肺部復健"}, {"Lung cancer", "肺癌"}, {"Sleep medicine", "睡眠醫學"}},
	"neuroscience":           {{"Stroke unit", "腦中風病房"}, {"Neurodegeneration laboratory", "神經退化實驗室"}, {"Epilepsy monitoring", "癲癇監測"}},
	"hepatology":             {{"Viral hepatitis", "病毒性肝炎"}, {"MAFLD and metabolic liver disease", "代謝性脂肪肝病"}, {"Liver transplantation", "肝臟移植"}},
	"infectious_disease":     {{"Tropical medicine", "熱帶醫學"}, {"Antimicrobial stewardship", "抗生素管理"}, {"Clinical virology", "臨床病毒學"}},
	"pharmacy":               {{"Clinical pharmacy", "臨床藥學"}, {"Hospital pharmacy", "醫院藥局"}, {"Pharmacokinetics", "藥物動力學"}},
	"family_medicine":        {{"Community health centre", "社區衛生中心"}, {"Rural practice", "偏鄉醫療"}, {"Geriatric care", "老年照護"}},
	"emergency_medicine":     {{"Emergency department", "急診室"}, {"Prehospital care", "到院前救護"}, {"Toxicology", "毒物學"}},
	"psychiatry":             {{"Child and adolescent psychiatry", "兒童青少年精神醫學"}, {"Consultation-liaison psychiatry", "照會精神醫學"}, {"Addiction medicine", "成癮醫學"}},
	"radiology":              {{"Interventional radiology", "介入性放射學"}, {"Neuroradiology", "神經放射學"}, {"Nuclear medicine", "核子醫學"}},
	"oncology":               {{"Medical oncology", "腫瘤內科"}, {"Radiation oncology", "放射腫瘤"}, {"Palliative care", "安寧緩和照護"}},
	"translational_research": {{"Biomarker discovery", "生物標記發現"}, {"Clinical trials unit", "臨床試驗中心"}, {"Precision medicine", "精準醫學"}},
	"drug_discovery":         {{"Medicinal chemistry", "藥物化學"}, {"High-throughput screening", "高通量篩選"}, {"Natural products", "天然物藥物"}},
	"tissue_engineering":     {{"Regenerative medicine", "再生醫學"}, {"Biomaterials", "生物材料"}, {"Stem cell laboratory", "幹細胞實驗室"}},
	"public_health":          {{"Epidemiology", "流行病學"}, {"Global health field work", "全球衛生田野工作"}, {"Health policy", "衛生政策"}},
	"dermatology":            {{"Dermatopathology", "皮膚病理學"}, {"Pediatric dermatology", "兒童皮膚科"}, {"Skin cancer clinic", "皮膚癌門診"}},
}

// electiveKinds weighs the kinds: mostly clinical electives.
var electiveKinds = []struct {
	code, en, zh string
	weight       int
}{
	{"clinical_elective", "clinical elective", "臨床選修", 55},
	{"research_exchange", "research exchange", "研究交換", 20},
	{"observership", "observership", "見習", 15},
	{"internship", "internship", "實習", 10},
}

// localLanguage is the language of instruction besides English, by country.
var localLanguage = map[string]struct{ code, level string }{
	"JP": {"ja", "JLPT N2"}, "KR": {"ko", "TOPIK 4"}, "FR": {"fr", "B2"}, "DE": {"de", "B2"},
	"CN": {"zh", "HSK 5"}, "HK": {"zh", "HSK 5"},
}

// Two sentences of description each, chosen to carry none of the search
// scenario's words.
var (
	descriptionsEN = []string{
		"Students join ward rounds, case conferences and teaching clinics under a named supervisor.",
		"A short written report and a presentation to the host team are due at the end.",
		"Accommodation in the university residence can be arranged by the host office.",
		"Suited to final-year students with a strong interest in the field.",
	}
	descriptionsZH = []string{
		"學生參與查房、病例討論與教學門診，由指定導師督導。",
		"結束時須繳交書面報告並向接待團隊簡報。",
		"接待單位可協助安排大學宿舍。",
		"適合對此領域有高度興趣的畢業年級學生。",
	}
	requiredDocs = [][]string{
		{"transcript", "cv", "motivation_letter"},
		{"transcript", "cv", "motivation_letter", "recommendation_letter", "immunization_record", "insurance"},
		{"transcript", "motivation_letter", "language_certificate", "immunization_record"},
		{"transcript", "cv", "good_standing_letter", "insurance", "passport"},
	}
)

// makeElectives makes n outgoing electives at the partners, titled by a
// focus of their specialty and their kind in both languages, with the
// search text the service would store. Each elective's first period will
// start 3 to 8 weeks after its window closes (see makePeriods); one in ten
// windows has closed already and one elective in fifty is retired.
func makeElectives(rng *rand.Rand, names *i18n.Bundle, partners []catalog.Institution, agreements []catalog.Agreement, n int, now time.Time) []catalog.Elective {
	today := catalog.Day(now)
	latest := map[int64]*catalog.Agreement{}
	for i := range agreements {
		a := &agreements[i]
		if b := latest[a.InstitutionID]; b == nil || a.ValidUntil.After(b.ValidUntil) {
			latest[a.InstitutionID] = a
		}
	}
	kindTotal := 0
	for _, k := range electiveKinds {
		kindTotal += k.weight
	}
	out := make([]catalog.Elective, n)
	for i := range out {
		inst := partners[rng.IntN(len(partners))]
		specialty := catalog.Specialties[rng.IntN(len(catalog.Specialties))]
		w := rng.IntN(kindTotal)
		ki := 0
		for w >= electiveKinds[ki].weight {
			w -= electiveKinds[ki].weight
			ki++
		}
		kind := electiveKinds[ki]
		if inst.Kind == "company" {
			kind = electiveKinds[len(electiveKinds)-1]
			specialty = []string{"pharmacy", "drug_discovery"}[rng.IntN(2)]
		}
		f := specialtyFocus[specialty][rng.IntN(3)]
		lang, level := "en", ""
		if l, ok := localLanguage[inst.Country]; ok && rng.IntN(2) == 0 {
			lang, level = l.code, l.level
		}
		var opens, closes time.Time
		if rng.IntN(10) == 0 {
			closes = today.AddDate(0, 0, -1-rng.IntN(30))
			opens = closes.AddDate(0, 0, -60)
		} else {
			opens = today.AddDate(0, 0, -rng.IntN(90))
			closes = today.AddDate(0, 0, 14+rng.IntN(240))
		}
		fee, currency := 0, ""
		if rng.IntN(5) < 2 {
			fee, currency = 100*(1+rng.IntN(20)), "USD"
		}
		created := now.Add(-time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
		d := rng.IntN(len(descriptionsEN))
		e := catalog.Elective{
			Direction: catalog.Outgoing, InstitutionID: inst.ID, Kind: kind.code,
			TitleEN:       f.en + " " + kind.en,
			TitleZH:       f.zh + kind.zh,
			Specialty:     specialty,
			DescriptionEN: descriptionsEN[d] + " " + descriptionsEN[(d+1)%len(descriptionsEN)],
			DescriptionZH: descriptionsZH[d] + descriptionsZH[(d+1)%len(descriptionsZH)],
			Language:      lang, LanguageLevel: level,
			MinYear: 4 + rng.IntN(3), DurationWeeks: 2 + rng.IntN(7),
			RequiredDocs: strings.Join(requiredDocs[rng.IntN(len(requiredDocs))], ","),
			FeeAmount:    fee, FeeCurrency: currency,
			OpensOn: opens, ClosesOn: closes,
			CreatedAt: created, UpdatedAt: created,
		}
		if a := latest[inst.ID]; a != nil {
			e.AgreementID = &a.ID
		}
		if rng.IntN(50) == 0 {
			e.RetiredAt = &created
		}
		e.SearchText = catalog.SearchText(names, e, inst)
		out[i] = e
	}
	return out
}

// makePeriods gives each elective 2 to 4 periods of its duration, the first
// starting 3 to 8 weeks after its window closes, the next ones after gaps
// of one to eight weeks; a quarter of them are full.
func makePeriods(rng *rand.Rand, electives []catalog.Elective, now time.Time) []catalog.Period {
	out := make([]catalog.Period, 0, 3*len(electives))
	for _, e := range electives {
		start := e.ClosesOn.AddDate(0, 0, 21+rng.IntN(36))
		for range 2 + rng.IntN(3) {
			end := start.AddDate(0, 0, 7*e.DurationWeeks-1)
			capacity := 1 + rng.IntN(8)
			taken := rng.IntN(capacity)
			if rng.IntN(4) == 0 {
				taken = capacity
			}
			out = append(out, catalog.Period{
				ElectiveID: e.ID, StartsOn: start, EndsOn: end, Capacity: capacity, Taken: taken,
				CreatedAt: e.CreatedAt, UpdatedAt: e.CreatedAt,
			})
			start = end.AddDate(0, 0, 1+7*(1+rng.IntN(8)))
		}
	}
	return out
}
