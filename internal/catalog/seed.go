package catalog

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"portal/internal/apperr"
)

// SeedDemo fills an empty catalog with the partners of the seed articles:
// the academic alliances (Johns Hopkins, USC, Imperial, Lille, Hokkaido,
// Case Western), Kumamoto's MOU and student exchange agreement, Harvard,
// Kyoto, Seoul National, NUS, the Global Talent Alliance (UCL, SMU,
// University of Washington) and an industry partner with pharmacy
// internships and scholarships. Dates are relative to today so that the
// demo never goes stale. It returns false, doing nothing, when the catalog
// already has institutions.
func (s *Service) SeedDemo(ctx context.Context) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Institution{}).Count(&n).Error; err != nil {
		return false, wrap(err, "count institutions")
	}
	if n > 0 {
		return false, nil
	}
	today := s.today()
	day := func(months, days int) string { return today.AddDate(0, months, days).Format(time.DateOnly) }
	must := func(err error, what string) error {
		if err != nil {
			if f := apperr.FieldsOf(err); f != nil {
				return fmt.Errorf("demo catalog: %s: %v", what, f)
			}
			return fmt.Errorf("demo catalog: %s: %w", what, err)
		}
		return nil
	}

	home, err := s.CreateInstitution(ctx, InstitutionInput{
		NameEN: "Formosa Medical University", NameLocal: "福爾摩沙醫學大學", Country: "TW", City: "Taipei",
		Kind: "university", Identifier: "fmu.edu.tw", IsHome: true, ContactName: "Office of Global Engagement",
		ContactEmail: "global@fmu.edu.tw",
	})
	if err := must(err, "home"); err != nil {
		return false, err
	}
	_ = home
	for _, d := range demoDepartments {
		if _, err := s.CreateDepartment(ctx, d); err != nil {
			return false, must(err, "department "+d.Code)
		}
	}

	for pi, p := range demoPartners {
		inst, err := s.CreateInstitution(ctx, p.inst)
		if err := must(err, p.inst.NameEN); err != nil {
			return false, err
		}
		agreements := map[string]int64{}
		for _, a := range p.agreements {
			a.in.InstitutionID = inst.ID
			a.in.ValidFrom = day(a.fromMonths, 0)
			a.in.ValidUntil = day(a.untilMonths, 0)
			ag, err := s.CreateAgreement(ctx, a.in)
			if err := must(err, a.in.Title); err != nil {
				return false, err
			}
			agreements[a.in.Kind] = ag.ID
		}
		for ei, e := range p.electives {
			e.in.Direction = Outgoing
			e.in.InstitutionID = inst.ID
			e.in.AgreementID = agreements[e.agreement]
			// Windows open a month ago and close three weeks before the
			// first period, which starts two to five months from now.
			first := 2 + (pi+ei)%4
			e.in.OpensOn = day(-1, 0)
			e.in.ClosesOn = day(first, -21)
			el, err := s.CreateElective(ctx, e.in)
			if err := must(err, e.in.TitleEN); err != nil {
				return false, err
			}
			for k, capacity := range e.capacities {
				start := today.AddDate(0, first+k*3, 0)
				weeks, _ := strconv.Atoi(e.in.DurationWeeks)
				_, err := s.AddPeriod(ctx, el.ID, PeriodInput{
					StartsOn: start.Format(time.DateOnly),
					EndsOn:   start.AddDate(0, 0, weeks*7-1).Format(time.DateOnly),
					Capacity: strconv.Itoa(capacity),
				})
				if err := must(err, e.in.TitleEN+" period"); err != nil {
					return false, err
				}
			}
		}
		for _, f := range p.funding {
			f.InstitutionID = inst.ID
			f.Deadline = day(2, 0)
			if _, err := s.CreateFunding(ctx, f); err != nil {
				return false, must(err, f.NameEN)
			}
		}
	}
	for _, f := range demoFunding {
		f.Deadline = day(3, 0)
		if _, err := s.CreateFunding(ctx, f); err != nil {
			return false, must(err, f.NameEN)
		}
	}
	if err := s.seedIncoming(ctx, today); err != nil {
		return false, err
	}
	return true, nil
}

// seedIncoming offers rotations at the home hospital's departments.
func (s *Service) seedIncoming(ctx context.Context, today time.Time) error {
	deps, err := s.Departments(ctx, false)
	if err != nil {
		return err
	}
	for i, d := range deps {
		el, err := s.CreateElective(ctx, ElectiveInput{
			Direction: Incoming, DepartmentID: d.ID, Kind: "clinical_elective",
			TitleEN: "Clinical rotation in " + d.NameEN, TitleZH: d.NameZH + "臨床見實習",
			Specialty: incomingSpecialty[d.Code], Language: "en", LanguageLevel: "B2", MinYear: "4", DurationWeeks: "4",
			RequiredDocs: []string{"nomination_letter", "immunization_record", "insurance", "transcript"},
			OpensOn:      today.AddDate(0, -1, 0).Format(time.DateOnly), ClosesOn: today.AddDate(0, 1, 0).Format(time.DateOnly),
			DescriptionEN: "Four weeks on the wards of our " + d.NameEN + " department, with daily rounds, clinics and case presentations in English.",
			DescriptionZH: "在本院" + d.NameZH + "進行四週臨床見實習，參與每日查房、門診與英文病例報告。",
		})
		if err != nil {
			return fmt.Errorf("demo catalog: incoming %s: %v", d.Code, apperr.FieldsOf(err))
		}
		for k := 0; k < 4; k++ {
			start := today.AddDate(0, 2+k*2, i)
			if _, err := s.AddPeriod(ctx, el.ID, PeriodInput{
				StartsOn: start.Format(time.DateOnly), EndsOn: start.AddDate(0, 0, 27).Format(time.DateOnly),
				Capacity: strconv.Itoa(2 + (i+k)%3),
			}); err != nil {
				return fmt.Errorf("demo catalog: incoming period: %w", err)
			}
		}
	}
	return nil
}

type demoAgreement struct {
	in                      AgreementInput
	fromMonths, untilMonths int
}

type demoElective struct {
	in         ElectiveInput
	agreement  string // the kind of the partner's agreement it belongs to
	capacities []int  // one period per entry, three months apart
}

type demoPartner struct {
	inst       InstitutionInput
	agreements []demoAgreement
	electives  []demoElective
	funding    []FundingInput
}

var stdDocs = []string{"transcript", "cv", "motivation_letter", "recommendation_letter", "immunization_record", "insurance"}

func alliance(fields string) []demoAgreement {
	return []demoAgreement{{AgreementInput{Kind: "research", Title: "Academic Alliance", Fields: fields, QuotaOut: "4", QuotaIn: "4"}, -30, 30}}
}

func elective(kind, specialty, lang, level, title, titleZH, desc, descZH, weeks, minYear string, caps ...int) demoElective {
	return demoElective{
		in: ElectiveInput{
			Kind: kind, Specialty: specialty, Language: lang, LanguageLevel: level, TitleEN: title, TitleZH: titleZH,
			DescriptionEN: desc, DescriptionZH: descZH, DurationWeeks: weeks, MinYear: minYear, RequiredDocs: stdDocs,
		},
		capacities: caps,
	}
}

var demoPartners = []demoPartner{
	{
		inst:       InstitutionInput{NameEN: "Johns Hopkins University", Country: "US", City: "Baltimore", Kind: "university", Identifier: "jhu.edu", Website: "https://www.jhu.edu"},
		agreements: alliance("women's medicine"),
		electives: []demoElective{
			withAgreement("research", elective("clinical_elective", "womens_medicine", "en", "TOEFL iBT 100", "Women's Medicine Clinical Elective", "婦女醫學臨床選修",
				"Four weeks with the gynecology and obstetrics teams: labour ward, high-risk pregnancy clinic and gynecologic oncology rounds.",
				"於婦產科團隊見習四週：產房、高危險妊娠門診與婦癌查房。", "4", "5", 2, 1, 2)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "University of Southern California", Country: "US", City: "Los Angeles", Kind: "university", Identifier: "usc.edu", Website: "https://www.usc.edu"},
		agreements: alliance("pharmacy"),
		electives: []demoElective{
			withAgreement("research", elective("research_exchange", "pharmacy", "en", "TOEFL iBT 90", "Pharmacy Research Exchange", "藥學研究交換",
				"Eight weeks in a School of Pharmacy laboratory working on pharmacokinetics and clinical pharmacy projects.",
				"於藥學院實驗室進行八週藥物動力學與臨床藥學研究。", "8", "3", 3, 3)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "Imperial College London", Country: "GB", City: "London", Kind: "university", Identifier: "imperial.ac.uk", Website: "https://www.imperial.ac.uk"},
		agreements: alliance("thoracic medicine"),
		electives: []demoElective{
			withAgreement("research", elective("clinical_elective", "thoracic_medicine", "en", "IELTS 7.0", "Thoracic Medicine Elective at the Royal Brompton", "胸腔醫學臨床選修",
				"Respiratory medicine and thoracic surgery: bronchoscopy lists, interstitial lung disease clinic and ward rounds.",
				"胸腔內科與胸腔外科：支氣管鏡檢查、間質性肺病門診與病房查房。", "6", "5", 1, 2, 1)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "University of Lille", NameLocal: "Université de Lille", Country: "FR", City: "Lille", Kind: "university", Identifier: "univ-lille.fr", Website: "https://www.univ-lille.fr"},
		agreements: alliance("neuroscience, tissue engineering"),
		electives: []demoElective{
			withAgreement("research", elective("research_exchange", "neuroscience", "en", "B2", "Neuroscience and Tissue Engineering Research Exchange", "神經科學與組織工程研究交換",
				"Join a translational neuroscience team working on platelet lysates for neuroregeneration.",
				"加入轉譯神經科學團隊，研究血小板裂解液於神經再生的應用。", "8", "3", 2, 2)),
			withAgreement("research", elective("clinical_elective", "neuroscience", "fr", "B2", "Neurology Clinical Elective", "神經內科臨床選修",
				"Stroke unit and neurology wards of the university hospital, in French.",
				"於大學醫院腦中風中心與神經內科病房見習，以法語進行。", "4", "5", 1, 1)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "Hokkaido University", NameLocal: "北海道大学", Country: "JP", City: "Sapporo", Kind: "university", Identifier: "hokudai.ac.jp", Website: "https://www.global.hokudai.ac.jp"},
		agreements: alliance("drug discovery"),
		electives: []demoElective{
			withAgreement("research", elective("research_exchange", "drug_discovery", "en", "B2", "Drug Discovery Research Exchange", "新藥開發研究交換",
				"Medicinal chemistry and screening at the Faculty of Pharmaceutical Sciences.",
				"於藥學院參與藥物化學與藥物篩選研究。", "8", "3", 2, 2, 3)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "Case Western Reserve University", Country: "US", City: "Cleveland", Kind: "university", Identifier: "case.edu", Website: "https://case.edu"},
		agreements: alliance("translational research"),
		electives: []demoElective{
			withAgreement("research", elective("research_exchange", "translational_research", "en", "TOEFL iBT 90", "Translational Research Summer Program", "轉譯醫學研究暑期計畫",
				"Eight weeks in a translational research laboratory of the School of Medicine, with a final poster.",
				"於醫學院轉譯研究實驗室進行八週研究，並發表成果海報。", "8", "2", 4)),
		},
	},
	{
		inst: InstitutionInput{NameEN: "Kumamoto University", NameLocal: "熊本大学", Country: "JP", City: "Kumamoto", Kind: "university", Identifier: "kumamoto-u.ac.jp", Website: "https://www.kumamoto-u.ac.jp"},
		agreements: []demoAgreement{
			{AgreementInput{Kind: "mou", Title: "Memorandum of Understanding on Academic Collaboration", Fields: "liver disease, MAFLD, infectious disease, virology", QuotaOut: "0", QuotaIn: "0"}, -1, 59},
			{AgreementInput{Kind: "student_exchange", Title: "Student Exchange Agreement between the Colleges of Medicine", Fields: "clinical electives, research exchange", QuotaOut: "4", QuotaIn: "4"}, -1, 59},
		},
		electives: []demoElective{
			withAgreement("student_exchange", elective("clinical_elective", "hepatology", "ja", "JLPT N2", "Hepatology and MAFLD Clinical Elective", "肝臟科與代謝相關脂肪肝病臨床選修",
				"Liver clinic, ultrasound and MAFLD research conference at Kumamoto University Hospital.",
				"於熊本大學醫院肝臟門診、腹部超音波室見習，並參與代謝相關脂肪肝病（MAFLD）研究會議。", "4", "5", 2, 1, 2)),
			withAgreement("student_exchange", elective("research_exchange", "infectious_disease", "en", "B2", "Infectious Disease and Virology Research Exchange", "感染症與病毒學研究交換",
				"In the tradition of Kitasato: a virology laboratory and the infectious disease consult service.",
				"承北里柴三郎之傳統：病毒學實驗室研究與感染科會診。", "6", "4", 2, 2)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "Harvard Medical School", Country: "US", City: "Boston", Kind: "university", Identifier: "hms.harvard.edu", Website: "https://hms.harvard.edu"},
		agreements: []demoAgreement{{AgreementInput{Kind: "mou", Title: "Exchange Memorandum", Fields: "clinical electives", QuotaOut: "2", QuotaIn: "2"}, -120, 24}},
		electives: []demoElective{
			withAgreement("mou", elective("clinical_elective", "internal_medicine", "en", "TOEFL iBT 105", "Internal Medicine Sub-internship", "內科次實習",
				"Four weeks as a sub-intern on a general medicine team at a teaching hospital.",
				"於教學醫院一般內科團隊擔任次實習醫師四週。", "4", "6", 1, 1)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "Kyoto University", NameLocal: "京都大学", Country: "JP", City: "Kyoto", Kind: "university", Identifier: "kyoto-u.ac.jp", Website: "https://www.kyoto-u.ac.jp"},
		agreements: []demoAgreement{{AgreementInput{Kind: "student_exchange", Title: "Student Exchange Agreement", Fields: "clinical electives", QuotaOut: "3", QuotaIn: "3"}, -24, 36}},
		electives: []demoElective{
			withAgreement("student_exchange", elective("clinical_elective", "cardiology", "ja", "JLPT N2", "Cardiology Clinical Elective", "心臟內科臨床選修",
				"Catheterisation laboratory, echocardiography and the coronary care unit.",
				"心導管室、心臟超音波與冠狀動脈加護病房見習。", "4", "5", 2, 2)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "Seoul National University", NameLocal: "서울대학교", Country: "KR", City: "Seoul", Kind: "university", Identifier: "snu.ac.kr", Website: "https://en.snu.ac.kr"},
		agreements: []demoAgreement{{AgreementInput{Kind: "student_exchange", Title: "Student Exchange Agreement", Fields: "clinical electives", QuotaOut: "2", QuotaIn: "2"}, -58, 2}},
		electives: []demoElective{
			// Not under the agreement, which ends before the observership.
			elective("observership", "emergency_medicine", "en", "B2", "Emergency Medicine Observership", "急診醫學見習",
				"Observe the emergency department of Seoul National University Hospital.",
				"於首爾大學醫院急診部見習。", "2", "4", 1),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "National University of Singapore", Country: "SG", City: "Singapore", Kind: "university", Identifier: "nus.edu.sg", Website: "https://nus.edu.sg"},
		agreements: []demoAgreement{{AgreementInput{Kind: "student_exchange", Title: "Yong Loo Lin School of Medicine Exchange", Fields: "clinical electives", QuotaOut: "3", QuotaIn: "3"}, -12, 48}},
		electives: []demoElective{
			withAgreement("student_exchange", elective("clinical_elective", "pediatrics", "en", "IELTS 6.5", "Paediatrics Clinical Elective", "小兒科臨床選修",
				"General paediatrics and neonatology at the National University Hospital.",
				"於新加坡國立大學醫院一般兒科與新生兒科見習。", "4", "5", 2, 2, 2)),
			withAgreement("student_exchange", elective("clinical_elective", "family_medicine", "en", "IELTS 6.5", "Family Medicine Elective", "家庭醫學科選修",
				"Primary care polyclinics and home visits across Singapore.",
				"於新加坡綜合診所與居家訪視見習基層醫療。", "4", "4", 3)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "University College London", Country: "GB", City: "London", Kind: "university", Identifier: "ucl.ac.uk", Website: "https://www.ucl.ac.uk"},
		agreements: []demoAgreement{{AgreementInput{Kind: "mou", Title: "Global Talent Alliance", Fields: "mentorship, employability", QuotaOut: "2", QuotaIn: "2"}, -20, 40}},
		electives: []demoElective{
			withAgreement("mou", elective("observership", "public_health", "en", "IELTS 7.0", "Global Health Observership", "全球衛生見習",
				"Two weeks with the Institute for Global Health.", "於全球衛生研究所見習兩週。", "2", "3", 2)),
		},
	},
	{
		inst:       InstitutionInput{NameEN: "Singapore Management University", Country: "SG", City: "Singapore", Kind: "university", Identifier: "smu.edu.sg", Website: "https://www.smu.edu.sg"},
		agreements: []demoAgreement{{AgreementInput{Kind: "mou", Title: "Global Talent Alliance", Fields: "mentorship, employability", QuotaOut: "1", QuotaIn: "1"}, -20, 40}},
	},
	{
		inst:       InstitutionInput{NameEN: "University of Washington", Country: "US", City: "Seattle", Kind: "university", Identifier: "washington.edu", Website: "https://www.washington.edu"},
		agreements: []demoAgreement{{AgreementInput{Kind: "mou", Title: "Global Talent Alliance", Fields: "mentorship, employability", QuotaOut: "1", QuotaIn: "1"}, -40, -1}},
	},
	{
		inst: InstitutionInput{NameEN: "AMS BioteQ", Country: "TW", City: "Kaohsiung", Kind: "company", Identifier: "amsbioteq.com"},
		agreements: []demoAgreement{
			{AgreementInput{Kind: "industry_internship", Title: "Industry–Academia Talent Cultivation MOU", Fields: "pharmaceutical research, biotechnology", QuotaOut: "4", QuotaIn: "0"}, -8, 28},
		},
		electives: []demoElective{
			withAgreement("industry_internship", elective("internship", "pharmacy", "zh", "", "Pharmaceutical R&D Internship", "藥物研發實習",
				"Eight weeks in research and development, for pharmacy master's and doctoral students, with a scholarship.",
				"藥學碩博士生於研發部門實習八週，並提供獎學金。", "8", "1", 2, 2)),
		},
		funding: []FundingInput{{NameEN: "AMS BioteQ Pharmacy Scholarship", NameZH: "AMS BioteQ 藥學獎學金", Sponsor: "AMS BioteQ", SponsorKind: "industry", Amount: "60000", Currency: "TWD", Eligibility: "Master's and doctoral students of the School of Pharmacy on an AMS BioteQ internship."}},
	},
}

var demoFunding = []FundingInput{
	{NameEN: "Ministry of Education Study Abroad Scholarship", NameZH: "教育部學海飛颺獎學金", Sponsor: "Ministry of Education", SponsorKind: "ministry", Amount: "120000", Currency: "TWD", Eligibility: "Students nominated for an elective or exchange of at least four weeks."},
	{NameEN: "University Global Elective Grant", NameZH: "本校海外選修補助", Sponsor: "Office of Global Engagement", SponsorKind: "university", Amount: "30000", Currency: "TWD", Eligibility: "5th- and 6th-year medical students confirmed for a clinical elective abroad."},
}

var demoDepartments = []DepartmentInput{
	{Code: "IM", NameEN: "Internal Medicine", NameZH: "內科部"},
	{Code: "SURG", NameEN: "Surgery", NameZH: "外科部"},
	{Code: "PED", NameEN: "Pediatrics", NameZH: "小兒科"},
	{Code: "OBGYN", NameEN: "Obstetrics and Gynecology", NameZH: "婦產科"},
	{Code: "ER", NameEN: "Emergency Medicine", NameZH: "急診醫學部"},
	{Code: "FM", NameEN: "Family Medicine", NameZH: "家庭醫學科"},
	{Code: "ID", NameEN: "Infectious Diseases", NameZH: "感染科"},
}

var incomingSpecialty = map[string]string{
	"IM": "internal_medicine", "SURG": "surgery", "PED": "pediatrics", "OBGYN": "womens_medicine",
	"ER": "emergency_medicine", "FM": "family_medicine", "ID": "infectious_disease",
}

func withAgreement(kind string, e demoElective) demoElective {
	e.agreement = kind
	return e
}
