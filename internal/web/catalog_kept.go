package web

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/labstack/echo/v4"
)

// csrfMarker stands for the visitor's CSRF token in a kept page: letters
// and digits, which no template context escapes, so it comes out of the
// template as it went in.
const csrfMarker = "csrf0token0marker0c4f1e9a7b"

// keptPage is a catalog page as every visitor who is not signed in sees
// it, cut where their CSRF token goes. Each piece is also kept deflated
// alone, ended by a sync flush (the last by the final block), so that a
// visitor's gzipped page is the pieces with their token between them, as
// a stored block: compressing 40 KB for every visitor was a quarter of a
// kept page's time (issue 13). Pieces compressed apart make a valid
// stream because each starts afresh on a byte boundary.
type keptPage struct {
	pieces   [][]byte
	deflated [][]byte
}

// keepPage cuts page at the markers and deflates the pieces.
func keepPage(page string) (*keptPage, error) {
	kp := &keptPage{}
	for i, piece := range strings.Split(page, csrfMarker) {
		var buf bytes.Buffer
		w, err := flate.NewWriter(&buf, flate.BestSpeed)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(piece)); err != nil {
			return nil, err
		}
		if i == strings.Count(page, csrfMarker) {
			err = w.Close()
		} else {
			err = w.Flush()
		}
		if err != nil {
			return nil, err
		}
		kp.pieces = append(kp.pieces, []byte(piece))
		kp.deflated = append(kp.deflated, buf.Bytes())
	}
	return kp, nil
}

// plain is the page with token in place.
func (kp *keptPage) plain(token string) []byte {
	return bytes.Join(kp.pieces, []byte(token))
}

// gzipped is the page with token in place, in the gzip format (RFC 1952).
func (kp *keptPage) gzipped(token string) []byte {
	size := 18 + len(kp.deflated)*(5+len(token))
	for _, d := range kp.deflated {
		size += len(d)
	}
	out := make([]byte, 0, size)
	// ID1 ID2, deflate, no flags, no time, no extra flags, OS unknown.
	out = append(out, 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255)
	var crc uint32
	var n int
	for i, d := range kp.deflated {
		if i > 0 {
			// A stored block, not the last: BFINAL 0, BTYPE 00, then the
			// length and its complement.
			out = append(out, 0)
			out = binary.LittleEndian.AppendUint16(out, uint16(len(token)))
			out = binary.LittleEndian.AppendUint16(out, ^uint16(len(token)))
			out = append(out, token...)
			crc = crc32.Update(crc, crc32.IEEETable, []byte(token))
			n += len(token)
		}
		out = append(out, d...)
		crc = crc32.Update(crc, crc32.IEEETable, kp.pieces[i])
		n += len(kp.pieces[i])
	}
	out = binary.LittleEndian.AppendUint32(out, crc)
	return binary.LittleEndian.AppendUint32(out, uint32(n))
}

// serve answers with the page and token, gzipped when the browser takes
// gzip; the compress middleware passes an encoded answer through.
func (kp *keptPage) serve(c echo.Context, token string) error {
	h := c.Response().Header()
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if len(token) > 0xffff || !acceptsGzip(c.Request()) { // acceptsGzip: static.go
		return blob(c, http.StatusOK, kp.plain(token))
	}
	body := kp.gzipped(token)
	h.Set(echo.HeaderContentEncoding, "gzip")
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return blob(c, http.StatusOK, body)
}
