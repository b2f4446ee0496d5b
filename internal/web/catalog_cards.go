package web

import (
	"bytes"
	"html/template"
	"strings"
	"sync"
	"time"

	"portal/internal/catalog"
	"portal/internal/i18n"
)

// htmlCache keeps parts of the catalog's pages rendered. Rendering twenty
// result cards and the filters' hundred options was most of a catalog
// request's time (issue 13: a search at 10,000 electives and 32
// connections), and both are functions of a few values: the key holds
// everything the part shows, so a change is a new key and nothing needs
// invalidating. What is each visitor's own (a student's stars, the CSRF
// token) is laid over the parts by the templates.
type htmlCache[K comparable] struct {
	mu    sync.RWMutex
	parts map[K]template.HTML
}

// htmlCacheMax bounds the memory of one cache: at about 1.5 KB a card,
// 20,000 cards (every card of a large catalog in three languages) is
// 30 MB. Past it the cache starts again empty, which only costs
// renderings.
const htmlCacheMax = 20000

func newHTMLCache[K comparable]() *htmlCache[K] {
	return &htmlCache[K]{parts: map[K]template.HTML{}}
}

// get returns the part of key k, rendering it with render unless it is
// kept already.
func (hc *htmlCache[K]) get(k K, render func(*bytes.Buffer) error) (template.HTML, error) {
	hc.mu.RLock()
	part, ok := hc.parts[k]
	hc.mu.RUnlock()
	if ok {
		return part, nil
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return "", err
	}
	part = template.HTML(buf.String()) // our own template's output, escaped as it ran
	hc.mu.Lock()
	if len(hc.parts) >= htmlCacheMax {
		clear(hc.parts)
	}
	hc.parts[k] = part
	hc.mu.Unlock()
	return part, nil
}

// catalogParts are the catalog's kept parts: the result cards and the
// filters.
type catalogParts struct {
	cardHTML    *htmlCache[cardKey]
	filtersHTML *htmlCache[filtersKey]
}

func newCatalogParts() catalogParts {
	return catalogParts{cardHTML: newHTMLCache[cardKey](), filtersHTML: newHTMLCache[filtersKey]()}
}

// cardKey is all a result card shows: its data, the day and the language.
type cardKey struct {
	lang  i18n.Lang
	today int64 // Unix seconds: a time.Time with a monotonic reading never compares equal
	next  int64 // the card's NextStart, by value
	card  catalog.Card
}

// card returns the result card of c as page p shows it on day today.
func (cp catalogParts) card(r *renderer, p Page, c catalog.Card, today time.Time) (browseCard, error) {
	k := cardKey{lang: p.Lang, today: today.Unix(), card: c}
	if c.NextStart != nil {
		k.next, k.card.NextStart = c.NextStart.Unix(), nil
	}
	body, err := cp.cardHTML.get(k, func(buf *bytes.Buffer) error {
		return r.execute(buf, fragCatalogCardBody, p.browseCardOf(c, today))
	})
	return browseCard{ID: c.ElectiveID, Body: body}, err
}

// filtersKey is all the filters' drop-downs show: the language, the
// values chosen and the countries offered.
type filtersKey struct {
	lang                               i18n.Lang
	country, specialty, kind, language string
	countries                          string
}

// filters returns the search form's drop-downs as page p shows them.
func (cp catalogParts) filters(r *renderer, p Page, q catalog.Query, countries []string) (template.HTML, error) {
	k := filtersKey{lang: p.Lang, country: q.Country, specialty: q.Specialty, kind: q.Kind, language: q.Language,
		countries: strings.Join(countries, ",")}
	return cp.filtersHTML.get(k, func(buf *bytes.Buffer) error {
		v := browseCatalogView{Page: p}
		v.form(q, countries)
		return r.execute(buf, fragCatalogFilters, v.Selects)
	})
}
