package document

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/internal/apperr"
)

// samplePDF is a small well-formed PDF of exactly size bytes (at least 96).
func samplePDF(size int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	end := "trailer\n<< /Root 1 0 R >>\n%%EOF\n"
	if pad := size - b.Len() - len(end); pad > 1 {
		b.WriteString("%" + strings.Repeat("p", pad-2) + "\n")
	}
	b.WriteString(end)
	return b.Bytes()
}

func sampleImage(t testing.TB, format string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.Set(1, 1, color.White)
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// refusedWith returns the message key of the file field of err.
func refusedWith(err error) string {
	if f := apperr.FieldsOf(err); f != nil {
		return f["file"].Key
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestValidate(t *testing.T) {
	pdf := samplePDF(3000)
	jpg, pngData := sampleImage(t, "jpeg"), sampleImage(t, "png")
	cases := []struct {
		name, file, declared string
		data                 []byte
		want                 string // media type accepted, or the refusal's key
		wantName             string
	}{
		{"pdf", "Transcript 2025.pdf", "application/pdf", pdf, "application/pdf", "Transcript 2025.pdf"},
		{"pdf, upper-case extension", "SCAN.PDF", "application/pdf", pdf, "application/pdf", "SCAN.PDF"},
		{"pdf, nothing declared", "scan.pdf", "", pdf, "application/pdf", "scan.pdf"},
		{"pdf, octet-stream declared", "scan.pdf", "application/octet-stream", pdf, "application/pdf", "scan.pdf"},
		{"pdf without extension gets one", "scan", "application/pdf", pdf, "application/pdf", "scan.pdf"},
		{"a dot that is no extension", "Dr. Lin", "", pdf, "application/pdf", "Dr. Lin.pdf"},
		{"a version number is no extension", "cv v1.2", "", pdf, "application/pdf", "cv v1.2.pdf"},
		{"no name at all", "", "", pdf, "application/pdf", "document.pdf"},
		{"only an extension", ".pdf", "", pdf, "application/pdf", "document.pdf"},
		{"jpeg", "photo.jpg", "image/jpeg", jpg, "image/jpeg", "photo.jpg"},
		{"jpeg as .jpeg", "photo.JPEG", "image/pjpeg", jpg, "image/jpeg", "photo.JPEG"},
		{"png", "scan.png", "image/png", pngData, "image/png", "scan.png"},

		{"empty", "empty.pdf", "application/pdf", nil, "wallet.err.empty", ""},
		{"html renamed .pdf", "x.pdf", "application/pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "wallet.err.type_not_allowed", ""},
		{"svg renamed .pdf", "x.pdf", "application/pdf", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "wallet.err.type_not_allowed", ""},
		{"svg with xml prolog", "x.png", "image/png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "wallet.err.type_not_allowed", ""},
		{"pdf header then html", "x.pdf", "application/pdf", append([]byte("%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n"), []byte("%%EOF")...), "wallet.err.markup", ""},
		{"pdf header then html, no end", "x.pdf", "application/pdf", []byte("%PDF-1.4\n<p>hello</p>"), "wallet.err.pdf_broken", ""},
		{"pdf header then script in upper case", "x.pdf", "", []byte("%PDF-1.7\n<SCRIPT>x</SCRIPT>%%EOF"), "wallet.err.markup", ""},
		{"pdf without %%EOF", "x.pdf", "application/pdf", pdf[:len(pdf)-7], "wallet.err.pdf_broken", ""},
		{"pdf named .png", "x.png", "", pdf, "wallet.err.mismatch", ""},
		{"pdf declared as png", "x.pdf", "image/png", pdf, "wallet.err.mismatch", ""},
		{"pdf declared as html", "x.pdf", "text/html", pdf, "wallet.err.mismatch", ""},
		{"pdf declared garbage", "x.pdf", ";;;", pdf, "wallet.err.mismatch", ""},
		{"pdf named .exe", "x.exe", "", pdf, "wallet.err.mismatch", ""},
		{"png named .jpg", "x.jpg", "", pngData, "wallet.err.mismatch", ""},
		{"jpeg magic, broken header", "x.jpg", "", []byte("\xff\xd8\xff\xe0garbage"), "wallet.err.image_broken", ""},
		{"png magic, broken header", "x.png", "", []byte("\x89PNG\r\n\x1a\nbroken"), "wallet.err.image_broken", ""},
		{"gif", "x.gif", "", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "wallet.err.type_not_allowed", ""},
		{"zip renamed .pdf", "x.pdf", "", []byte("PK\x03\x04rest of a zip"), "wallet.err.type_not_allowed", ""},
		{"plain text", "x.pdf", "", []byte("hello"), "wallet.err.type_not_allowed", ""},
		{"path in the name", "../../x", "", pdf, "wallet.err.name_path", ""},
		{"windows path in the name", `C:\Users\x\scan.pdf`, "", pdf, "wallet.err.name_path", ""},
		{"NUL in the name", "scan\x00.pdf", "", pdf, "wallet.err.name_chars", ""},
		{"right-to-left override", "scan\u202Efdp.exe", "", pdf, "wallet.err.name_chars", ""},
		{"right-to-left isolate", "scan\u2067.pdf", "", pdf, "wallet.err.name_chars", ""},
		{"newline in the name", "scan\n.pdf", "", pdf, "wallet.err.name_chars", ""},
		{"tab in the name", "scan\t.pdf", "", pdf, "wallet.err.name_chars", ""},
		{"invalid UTF-8", "scan\xff.pdf", "", pdf, "wallet.err.name_chars", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Validate(c.data, c.file, c.declared)
			if strings.HasPrefix(c.want, "wallet.err.") {
				if k := refusedWith(err); k != c.want {
					t.Fatalf("refused with %q, want %q", k, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v (%v)", err, apperr.FieldsOf(err))
			}
			if got.Format.MediaType != c.want || got.Name != c.wantName {
				t.Errorf("accepted as %s named %q, want %s named %q", got.Format.MediaType, got.Name, c.want, c.wantName)
			}
		})
	}
}

func TestNormalizeName(t *testing.T) {
	long := strings.Repeat("長", 300) + ".pdf"
	cases := []struct{ in, want string }{
		{"scan.pdf", "scan.pdf"},
		{"  my \u00a0 transcript\u3000.pdf ", "my transcript .pdf"},
		{".pdf", ""},
		{".bashrc", "bashrc"},
		{"...hidden.pdf", "hidden.pdf"},
		{"trailing dots...", "trailing dots"},
		{"a<b>c:d\"e|f?g*h.pdf", "a_b_c_d_e_f_g_h.pdf"},
		{"\u200Fscan\u200E.pdf", "scan.pdf"},
		{"cafe\u0301.pdf", "café.pdf"}, // NFC
		{"熊本大学 成績証明書.pdf", "熊本大学 成績証明書.pdf"},
		{long, strings.Repeat("長", maxNameRunes-4) + ".pdf"},
		{"", ""},
	}
	for _, c := range cases {
		got, err := NormalizeName(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// FuzzValidate feeds arbitrary content, names and declared types to the
// sniff-and-validate step. It must never panic, and whatever it accepts
// must be one of the allowed formats, start with that format's magic, carry
// no markup where a browser would sniff, and get a name that is safe to
// show and that normalising again leaves alone.
func FuzzValidate(f *testing.F) {
	pdf := samplePDF(2000)
	f.Add(pdf, "scan.pdf", "application/pdf")
	f.Add(sampleImage(f, "jpeg"), "photo.jpg", "image/jpeg")
	f.Add(sampleImage(f, "png"), "scan.png", "")
	f.Add([]byte("%PDF-1.4\n<html><script>x</script>%%EOF"), "x.pdf", "application/pdf")
	f.Add([]byte("<svg/>"), "x.pdf", "")
	f.Add(pdf, "../../x", "")
	f.Add(pdf, "a\u202Efdp.exe", "application/octet-stream")
	f.Add([]byte{}, "", "")
	f.Fuzz(func(t *testing.T, data []byte, name, declared string) {
		c, err := Validate(data, name, declared)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid || len(apperr.FieldsOf(err)) == 0 {
				t.Fatalf("refusal is not a field message: %v", err)
			}
			return
		}
		magic := map[string]string{"application/pdf": "%PDF-", "image/jpeg": "\xff\xd8\xff", "image/png": "\x89PNG\r\n\x1a\n"}[c.Format.MediaType]
		if magic == "" || !bytes.HasPrefix(data, []byte(magic)) {
			t.Fatalf("accepted %q as %s", data[:min(len(data), 16)], c.Format.MediaType)
		}
		if hasMarkup(data) {
			t.Fatal("accepted a file with markup in its first kilobyte")
		}
		if c.Name == "" || !utf8.ValidString(c.Name) || strings.ContainsAny(c.Name, "/\\\x00") || utf8.RuneCountInString(c.Name) > maxNameRunes {
			t.Fatalf("accepted with name %q", c.Name)
		}
		for _, r := range c.Name {
			if r < 0x20 || r == 0x7f || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("name %q keeps %U", c.Name, r)
			}
		}
		again, err := NormalizeName(c.Name)
		if err != nil || again != c.Name {
			t.Fatalf("normalising %q again gives %q, %v", c.Name, again, err)
		}
		if !hasSuffixFold(c.Name, c.Format.Exts) {
			t.Fatalf("name %q does not end in an extension of %s", c.Name, c.Format.Label)
		}
	})
}

func hasSuffixFold(name string, exts []string) bool {
	for _, e := range exts {
		if strings.HasSuffix(strings.ToLower(name), e) {
			return true
		}
	}
	return false
}

func TestFormatLabel(t *testing.T) {
	for in, want := range map[string]string{
		"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "text/plain": "text/plain",
	} {
		if got := FormatLabel(in); got != want {
			t.Errorf("FormatLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
