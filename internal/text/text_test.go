package text

import "testing"

func TestReadableRefusesBytesTheDatabaseCannotStore(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"Kumamoto 熊本大学", true},
		{"line one\r\nline two\ttabbed", true},
		{"", true},
		{"a\x00b", false},
		{"\xff\xfe", false},
		{"bell\x07", false},
		{"escape\x1b[31m", false},
		{"half \xe7\x86", false},
	} {
		if got := Readable(c.in); got != c.want {
			t.Errorf("Readable(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestHasHiddenFindsDirectionControls(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"Hanako", false},
		{"佐藤遥", false},
		{"محمد", false},
		{"\u202eokanaH", true},
		{"Han\u200fako", true},
		{"\u2066Hanako\u2069", true},
		{"\ufeffHanako", true},
	} {
		if got := HasHidden(c.in); got != c.want {
			t.Errorf("HasHidden(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestCleanKeepsWhatItCanAndDropsTheRest(t *testing.T) {
	for in, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux)": "Mozilla/5.0 (X11; Linux)",
		"Mozilla\xff/5.0":          "Mozilla\uFFFD/5.0",
		"a\x00b\r\nc":              "abc",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}
