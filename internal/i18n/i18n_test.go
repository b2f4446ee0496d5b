package i18n

import (
	"reflect"
	"strings"
	"testing"
)

func TestEveryLanguageHasEveryMessage(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	en := b.Keys(English)
	if len(en) < 20 {
		t.Fatalf("only %d English messages", len(en))
	}
	for _, o := range Options {
		if got := b.Keys(o.Lang); !reflect.DeepEqual(got, en) {
			t.Errorf("%s keys differ from English:\n%v\n%v", o.Lang, diff(en, got), diff(got, en))
		}
	}
	for _, k := range en {
		if b.T(English, k) == b.T(TraditionalChinese, k) && !strings.HasPrefix(k, "lang.") && !strings.HasPrefix(k, "brand") {
			t.Errorf("%s is not translated: %q", k, b.T(English, k))
		}
		if strings.Count(b.T(English, k), "%") != strings.Count(b.T(TraditionalChinese, k), "%") {
			t.Errorf("%s has different placeholders in the two languages", k)
		}
	}
}

func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, k := range b {
		in[k] = true
	}
	var out []string
	for _, k := range a {
		if !in[k] {
			out = append(out, k)
		}
	}
	return out
}

func TestNegotiate(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		chosen, accept string
		want           Lang
	}{
		{"", "", English},
		{"", "zh-TW,zh;q=0.9,en;q=0.8", TraditionalChinese},
		{"", "zh-HK", TraditionalChinese},
		{"", "en-GB,en;q=0.9", English},
		{"", "fr-FR", English},
		{"en", "zh-TW", English},
		{"zh-Hant", "en-US", TraditionalChinese},
		{"xx", "zh-TW", TraditionalChinese},
		{"", "garbage;;q=", English},
	}
	for _, c := range cases {
		if got := b.Negotiate(c.chosen, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %s, want %s", c.chosen, c.accept, got, c.want)
		}
	}
	if got := b.T(English, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key shows %q", got)
	}
}

func TestOnMissingHearsOfEveryKeyWithoutAMessage(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var heard []string
	b.OnMissing(func(l Lang, key string) { heard = append(heard, string(l)+":"+key) })
	if got := b.T(TraditionalChinese, "no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key shows as %q, want the key itself", got)
	}
	b.T(English, b.Keys(English)[0])
	b.OnMissing(nil)
	b.T(English, "another.missing.key")
	if len(heard) != 1 || heard[0] != "zh-Hant:no.such.key" {
		t.Errorf("heard %v, want only zh-Hant:no.such.key", heard)
	}
}
