package i18n

import (
	"reflect"
	"sort"
	"strconv"
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
	for _, o := range Options[1:] {
		for _, k := range en {
			if b.T(English, k) == b.T(o.Lang, k) && !strings.HasPrefix(k, "lang.") && !strings.HasPrefix(k, "brand") {
				t.Errorf("%s: %s is not translated: %q", o.Lang, k, b.T(English, k))
			}
			if placeholders(b.T(English, k)) != placeholders(b.T(o.Lang, k)) {
				t.Errorf("%s: %s has other placeholders than English: %q", o.Lang, k, b.T(o.Lang, k))
			}
		}
	}
}

// placeholders is which argument each verb of a message prints, and how
// ("1%s 2%d"), sorted: what a translation must keep. A translation may
// reorder its arguments with explicit indexes (%[2]s); a missing verb, or
// one that prints another argument, shows %!d(string=...) to a reader.
func placeholders(msg string) string {
	var out []string
	arg := 0
	for i := 0; i < len(msg)-1; i++ {
		if msg[i] != '%' {
			continue
		}
		i++
		if msg[i] == '%' {
			continue
		}
		if msg[i] == '[' {
			end := strings.IndexByte(msg[i:], ']')
			if end < 0 {
				return msg
			}
			n, err := strconv.Atoi(msg[i+1 : i+end])
			if err != nil {
				return msg
			}
			arg = n - 1
			i += end + 1
		}
		for i < len(msg) && strings.IndexByte("+-# 0123456789.", msg[i]) >= 0 {
			i++
		}
		if i < len(msg) {
			out = append(out, strconv.Itoa(arg+1)+string(msg[i]))
		}
		arg++
	}
	sort.Strings(out)
	return strings.Join(out, " ")
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
		{"", "ja-JP,ja;q=0.9,en;q=0.8", Japanese},
		{"", "ja", Japanese},
		{"ja", "zh-TW", Japanese},
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
