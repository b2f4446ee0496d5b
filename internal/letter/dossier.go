package letter

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"

	"github.com/signintech/gopdf"

	"portal/internal/i18n"
)

// DossierText is a nomination dossier's cover (internal/host), already
// translated: titles in two languages, then label and value pairs.
type DossierText struct {
	Org       [2]string // the home hospital, in both languages
	Title     [2]string // "Nomination dossier" in the host's language and the other
	Subtitle  string    // the reference and the date
	Facts     [][2]string
	Statement [2]string // its label, and the student's words
	Appended  string    // the heading of the list of appended documents
	Documents []string  // their names, in order
	Meta      gopdf.PdfInfo
}

// Attachment is a shared document appended to a dossier.
type Attachment struct {
	Name      string
	MediaType string // application/pdf, image/jpeg or image/png (the wallet's sniffed types)
	Data      []byte
}

// Fonts are the letters' embedded fonts, inflated and parsed once, on
// first use: a few megabytes each, so the letters and the hosts' dossiers
// share one Fonts (wiring makes it).
type Fonts struct{ r renderer }

// NewFonts returns fonts not yet parsed.
func NewFonts() *Fonts { return &Fonts{} }

// DossierPDF lays out a dossier: a cover page with the facts, then each
// attachment, a PDF's own pages scaled onto A4 and an image fitted to a
// page. A PDF the importer cannot read is listed with a note instead of
// failing the whole dossier.
func (f *Fonts) DossierPDF(t DossierText, parts []Attachment) (out []byte, err error) {
	r := &f.r
	// The Traditional Chinese font: a dossier's cover is bilingual, with
	// Chinese names; it has kana for a Japanese contact's cover too.
	fonts, err := r.font(i18n.TraditionalChinese)
	if err != nil {
		return nil, fmt.Errorf("load font: %w", err)
	}
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: gopdf.Rect{W: pageW, H: pageH}, Unit: gopdf.UnitPT})
	gp.SetInfo(t.Meta)
	gp.AddPage()
	if err := gp.AddTTFFontFromFontContainer(fontFamily, fonts); err != nil {
		return nil, err
	}
	p := &pen{gp: gp, y: 56}
	p.font(17, brand)
	p.at(marginX, p.y, t.Org[0])
	p.font(14, brand)
	p.at(marginX, p.y+24, t.Org[1])
	p.y += 48
	p.rule(marginX, pageW-marginX, p.y, 1.2, brand)
	p.y += 30
	p.font(20, brand)
	p.at(marginX, p.y, t.Title[0])
	p.y += 28
	p.font(14, brand)
	p.at(marginX, p.y, t.Title[1])
	p.y += 26
	p.font(10, muted)
	p.at(marginX, p.y, t.Subtitle)
	p.y += 24
	p.rule(marginX, pageW-marginX, p.y, 0.5, muted)
	p.y += 10
	const labelW = 150.0
	for _, f := range t.Facts {
		p.font(9.5, muted)
		p.at(marginX, p.y+1, f[0])
		p.font(11, ink)
		top := p.y
		p.para(marginX+labelW, textW-labelW, 16, f[1])
		p.y = max(p.y, top+16) + 5
	}
	p.rule(marginX, pageW-marginX, p.y, 0.5, muted)
	p.y += 16
	newPageIfFull := func() {
		if p.y > pageH-80 {
			gp.AddPage()
			p.y = 56
		}
	}
	if t.Statement[1] != "" {
		p.font(9.5, muted)
		p.at(marginX, p.y, t.Statement[0])
		p.y += 16
		p.font(11, ink)
		for _, line := range p.wrap(t.Statement[1], textW) {
			newPageIfFull()
			p.at(marginX, p.y, line)
			p.y += 16
		}
		p.y += 10
	}
	if len(t.Documents) > 0 {
		newPageIfFull()
		p.font(9.5, muted)
		p.at(marginX, p.y, t.Appended)
		p.y += 16
		p.font(11, ink)
		for i, name := range t.Documents {
			newPageIfFull()
			p.at(marginX, p.y, fmt.Sprintf("%d. %s", i+1, name))
			p.y += 16
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	for _, a := range parts {
		switch a.MediaType {
		case "application/pdf":
			if err := importPDF(gp, a.Data); err != nil {
				// Shown rather than hidden: the host knows a file is missing.
				gp.AddPage()
				p.y = 56
				p.font(11, ink)
				p.para(marginX, textW, 16, fmt.Sprintf("%s: %v", a.Name, err))
			}
		case "image/jpeg", "image/png":
			img, err := gopdf.ImageHolderByBytes(a.Data)
			if err != nil {
				return nil, fmt.Errorf("image %s: %w", a.Name, err)
			}
			gp.AddPage()
			w, h := imageSize(a.Data)
			fw, fh := textW, pageH-2*56.0
			if w > 0 && h > 0 {
				scale := min(fw/w, fh/h, 1)
				fw, fh = w*scale, h*scale
			}
			if err := gp.ImageByHolder(img, marginX, 56, &gopdf.Rect{W: fw, H: fh}); err != nil {
				return nil, fmt.Errorf("image %s: %w", a.Name, err)
			}
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return gp.GetBytesPdfReturnErr()
}

// importPDF appends every page of a PDF; the importer panics on some
// damaged files, which is an error here.
func importPDF(gp *gopdf.GoPdf, data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot be appended (%v)", r)
		}
	}()
	rs := io.ReadSeeker(bytes.NewReader(data))
	return gp.ImportPagesFromSource(&rs, "/MediaBox")
}

// imageSize is an image's size in pixels, taken as points; 0, 0 when its
// header cannot be read.
func imageSize(data []byte) (float64, float64) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0
	}
	return float64(cfg.Width), float64(cfg.Height)
}
