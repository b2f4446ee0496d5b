package catalog_test

import (
	"testing"

	"portal/internal/catalog"
)

// TestFoldMakesWhatPeopleTypeMeetWhatTheCatalogSays: the forms a student
// may type fold to the same text as the forms the catalog stores.
func TestFoldMakesWhatPeopleTypeMeetWhatTheCatalogSays(t *testing.T) {
	tests := []struct {
		name, typed, stored string
	}{
		{"Traditional and Japanese university", "熊本大學", "熊本大学"},
		{"Simplified and Japanese university", "熊本大学", "熊本大學"},
		{"country", "法國", "法国"},
		{"medicine: Traditional, Japanese", "醫學", "医学"},
		{"pharmacy in three scripts", "藥學", "薬学"},
		{"pharmacy, Simplified", "药学", "薬学"},
		{"body", "體", "体"},
		{"Tokyo, Simplified", "东京", "東京"},
		{"prefecture in three scripts", "熊本縣", "熊本県"},
		{"county, Simplified", "县", "県"},
		{"Taiwan, both ways", "臺灣", "台湾"},
		{"hospital", "醫院", "医院"},
		{"dental university", "東京醫科齒科大學", "東京医科歯科大学"},
		{"general hospital, Japanese and Hong Kong", "総合病院", "綜合病院"},
		{"general hospital, Simplified", "综合医院", "綜合醫院"},
		{"Hiroshima", "廣島", "広島"},
		{"Kanazawa", "金澤", "金沢"},
		{"Yokohama", "橫濱", "横浜"},
		{"brain surgery", "腦神經外科", "脳神経外科"},
		{"kidney, Simplified", "肾脏", "腎臓"},
		{"Université", "universite", "Université"},
		{"Munich", "munchen", "München"},
		{"upper case", "KUMAMOTO", "kumamoto"},
		{"full-width Latin", "ＵＣＬＡ", "ucla"},
		{"full-width digits", "１００", "100"},
		{"ideographic space", "熊本　大学", "熊本 大学"},
		{"German sharp s", "strasse", "Straße"},
		{"Vietnamese d", "dai hoc", "Đại học"},
		{"Danish o", "kobenhavn", "København"},
		{"half-width katakana", "ｸﾘﾆｯｸ", "クリニック"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a, b := catalog.Fold(tt.typed), catalog.Fold(tt.stored); a != b {
				t.Errorf("Fold(%q) = %q but Fold(%q) = %q", tt.typed, a, tt.stored, b)
			}
		})
	}
}

// TestFoldKeepsWhatDiffers: folding does not merge what a reader tells
// apart.
func TestFoldKeepsWhatDiffers(t *testing.T) {
	for _, pair := range [][2]string{
		{"がん", "かん"},       // cancer is not the liver (dakuten stay)
		{"서울", "서을"},       // Hangul syllables stay syllables
		{"京都", "東京"},       // different characters stay different
		{"lab_2", "lab 2"}, // punctuation is kept: people search it
		{"100%", "100"},
	} {
		if a, b := catalog.Fold(pair[0]), catalog.Fold(pair[1]); a == b {
			t.Errorf("Fold(%q) and Fold(%q) are both %q", pair[0], pair[1], a)
		}
	}
}

// TestFoldIsIdempotentAndTidiesSpace: stored text folded twice is the
// same, so rows written before folding can be folded when read.
func TestFoldIsIdempotentAndTidiesSpace(t *testing.T) {
	for _, s := range []string{"  Université   de\tLille ", "熊本大學 Ｈｏｓｐｉｔａｌ", "ｶﾞﾝ", "plain words", ""} {
		once := catalog.Fold(s)
		if twice := catalog.Fold(once); twice != once {
			t.Errorf("Fold(%q) = %q, folded again %q", s, once, twice)
		}
	}
	if got := catalog.Fold("  Université   de\tLille "); got != "universite de lille" {
		t.Errorf("Fold tidies to %q, want %q", got, "universite de lille")
	}
}

// TestFoldShortcutAgreesWithFolding: text Fold returns unchanged is text
// that folding leaves unchanged, for samples of every script the catalog
// holds.
func TestFoldShortcutAgreesWithFolding(t *testing.T) {
	for _, s := range []string{
		"cardiology", "Cardiology", "universite de lille", "université", "münchen", "熊本大学", "熊本大學",
		"서울대학교", "がん", "ｶﾞﾝ", "ＵＣＬＡ", "đại học", "йод", "άλφα", "a  b", " a", "a ", "a\tb", "ﬁbrosis", "①",
	} {
		once := catalog.Fold(s)
		if twice := catalog.Fold(once); twice != once {
			t.Errorf("Fold(%q) = %q, but folded again %q", s, once, twice)
		}
	}
	for in, want := range map[string]string{"ﬁbrosis": "fibrosis", "йод": "иод", "άλφα": "αλφα", "①": "1", "université": "universite"} {
		if got := catalog.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
