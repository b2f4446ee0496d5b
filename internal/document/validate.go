package document

import (
	"bytes"
	"errors"
	"image"
	_ "image/jpeg" // registers the JPEG header decoder for image.DecodeConfig
	_ "image/png"  // and the PNG one
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"portal/internal/apperr"
)

// Format is a kind of file the wallet accepts.
type Format struct {
	MediaType string   // what downloads are served as
	Label     string   // how messages name it
	Exts      []string // file name extensions that may carry it, the first preferred
	declared  []string // Content-Types a client may declare for it
}

// The allow-list: nothing else is accepted, whatever it is called.
var (
	PDF  = Format{"application/pdf", "PDF", []string{".pdf"}, []string{"application/pdf", "application/x-pdf", "application/acrobat"}}
	JPEG = Format{"image/jpeg", "JPEG", []string{".jpg", ".jpeg"}, []string{"image/jpeg", "image/pjpeg", "image/jpg"}}
	PNG  = Format{"image/png", "PNG", []string{".png"}, []string{"image/png", "image/x-png"}}

	formats = []Format{PDF, JPEG, PNG}
)

const (
	// headSize is how much of an upload is read and checked before a byte
	// is stored: enough for a JPEG's header behind large EXIF and colour
	// profile segments, and the same for every file whatever its size.
	headSize = 256 << 10
	// tailSize is the end of a file kept to find a PDF's %%EOF, which
	// writers may follow with a little padding.
	tailSize = 1024
	// markupWindow is the start of a file searched for HTML, script or SVG:
	// what a browser that sniffs would read.
	markupWindow = 1024
	// maxNameRunes bounds a file name, extension included.
	maxNameRunes = 120
	// maxPixels refuses images no one scans a document into, which a later
	// thumbnailer would choke on.
	maxPixels = 100_000_000
)

// markup is what no PDF or image carries in its first kilobyte but HTML,
// SVG and polyglots built to be rendered do. Lower case: the head is
// folded before the search.
var markup = [][]byte{
	[]byte("<html"), []byte("<script"), []byte("<svg"), []byte("<!doctype"), []byte("<body"),
	[]byte("<head"), []byte("<iframe"), []byte("<object"), []byte("<embed"), []byte("javascript:"),
}

// ErrTooLarge marks an upload refused for its size.
var ErrTooLarge = errors.New("upload exceeds the size limit")

// fileErr is a refusal of the uploaded file, shown next to its input.
// FormatLabel names the format of mediaType for people ("PDF"), or returns
// mediaType when the wallet accepts no such format.
func FormatLabel(mediaType string) string {
	for _, f := range formats {
		if f.MediaType == mediaType {
			return f.Label
		}
	}
	return mediaType
}

func fileErr(key string, args ...any) *apperr.Error {
	return &apperr.Error{Code: apperr.Invalid, Key: "form.invalid", Fields: apperr.Fields{"file": {Key: key, Args: args}}}
}

// Checked is what inspecting an upload decided.
type Checked struct {
	Format Format
	Name   string // the normalised file name, with the format's extension
}

// Validate runs every check on a whole file in memory: the head checks on
// its beginning and the tail checks on its end, as Receive does while the
// file streams. It exists for tests and the fuzz target.
func Validate(data []byte, name, declared string) (Checked, error) {
	head := data[:min(len(data), headSize)]
	c, err := inspect(head, name, declared)
	if err != nil {
		return Checked{}, err
	}
	return c, checkTail(c.Format, data[max(0, len(data)-tailSize):])
}

// inspect decides from the first bytes of an upload what it is, and
// refuses it unless content, declared type and name agree on one format of
// the allow-list.
func inspect(head []byte, rawName, declared string) (Checked, error) {
	if len(head) == 0 {
		return Checked{}, fileErr("wallet.err.empty")
	}
	name, err := NormalizeName(rawName)
	if err != nil {
		return Checked{}, err
	}
	var f Format
	sniffed, _, _ := strings.Cut(http.DetectContentType(head), ";")
	for _, c := range formats {
		if c.MediaType == sniffed {
			f = c
		}
	}
	if f.MediaType == "" {
		return Checked{}, fileErr("wallet.err.type_not_allowed")
	}
	if hasMarkup(head) {
		return Checked{}, fileErr("wallet.err.markup")
	}
	if !declares(f, declared) {
		return Checked{}, fileErr("wallet.err.mismatch", f.Label)
	}
	ext := strings.ToLower(path.Ext(name))
	switch {
	case name == "" || name == ext:
		name = "document" + f.Exts[0]
	case ext == "" || !isExt(ext):
		// No extension, or a dot that only separates words ("Dr. Lin"):
		// the format supplies one.
		name = truncate(name, maxNameRunes-len(f.Exts[0])) + f.Exts[0]
	case !contains(f.Exts, ext):
		return Checked{}, fileErr("wallet.err.mismatch", f.Label)
	}
	switch f.MediaType {
	case PDF.MediaType:
		// DetectContentType found "%PDF-" at offset 0; the rest is checked
		// at the end.
	default:
		cfg, kind, err := image.DecodeConfig(bytes.NewReader(head))
		if err != nil || "image/"+kind != f.MediaType {
			return Checked{}, fileErr("wallet.err.image_broken")
		}
		if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
			return Checked{}, fileErr("wallet.err.image_broken")
		}
	}
	return Checked{Format: f, Name: name}, nil
}

// checkTail checks the end of a file once it has all arrived: a PDF must
// end with its end-of-file marker, so that a PDF header glued to something
// else is refused.
func checkTail(f Format, tail []byte) error {
	if f.MediaType == PDF.MediaType && !bytes.Contains(tail, []byte("%%EOF")) {
		return fileErr("wallet.err.pdf_broken")
	}
	return nil
}

func hasMarkup(head []byte) bool {
	w := bytes.ToLower(head[:min(len(head), markupWindow)])
	for _, m := range markup {
		if bytes.Contains(w, m) {
			return true
		}
	}
	return false
}

// declares reports whether the Content-Type a client sent agrees with f.
// Clients that do not know (no type, or application/octet-stream) declare
// nothing, and the name and content decide.
func declares(f Format, declared string) bool {
	declared = strings.TrimSpace(declared)
	if declared == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return false
	}
	return mt == "application/octet-stream" || mt == "binary/octet-stream" || contains(f.declared, mt)
}

// isExt reports whether ext (with its dot) looks like a file extension:
// short, letters and digits with at least one letter, so that "v1.2" or
// "Dr. Lin" are names, not extensions.
func isExt(ext string) bool {
	if len(ext) < 2 || len(ext) > 6 {
		return false
	}
	letter := false
	for _, r := range ext[1:] {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case !unicode.IsDigit(r):
			return false
		}
	}
	return letter
}

// NormalizeName makes a client's file name safe to keep, show and offer as
// a download name. Names that try to smuggle something are refused rather
// than silently changed: folder parts ("../../x", "C:\x"), control
// characters including NUL, invalid UTF-8, and the bidirectional overrides
// and isolates (U+202A–U+202E, U+2066–U+2069) that make "exe.pdf" read as
// something else. The rest is tidied: Unicode NFC, invisible direction
// marks dropped, characters Windows forbids replaced, whitespace collapsed,
// leading and trailing dots and spaces trimmed, and the length bounded with
// the extension kept. An empty result means the caller picks a name.
func NormalizeName(raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", fileErr("wallet.err.name_chars")
	}
	if strings.ContainsAny(raw, `/\`) || raw == ".." {
		return "", fileErr("wallet.err.name_path")
	}
	var b strings.Builder
	space := false
	for _, r := range norm.NFC.String(raw) {
		switch {
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return "", fileErr("wallet.err.name_chars")
		case r == 0x200E || r == 0x200F || r == 0x061C || r == 0xFEFF || r == 0x200B:
			continue // invisible marks: no meaning in a file name
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	name := strings.TrimRight(b.String(), ". ")
	if rest := strings.TrimLeft(name, ". "); rest != name {
		name = rest
		if !strings.Contains(rest, ".") && isExt("."+rest) {
			return "", nil // ".pdf": an extension and no name
		}
	}
	if utf8.RuneCountInString(name) > maxNameRunes {
		ext := path.Ext(name)
		if !isExt(ext) {
			ext = ""
		}
		name = truncate(strings.TrimSuffix(name, ext), maxNameRunes-len(ext)) + ext
	}
	return name, nil
}

// truncate keeps at most n runes of s, without trailing dots or spaces.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n])
	}
	return strings.TrimRight(s, ". ")
}
