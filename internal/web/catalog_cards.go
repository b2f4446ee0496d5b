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

// kept keeps values made from a few others: the key holds everything the
// value shows, so a change is a new key and nothing needs invalidating.
// The catalog keeps what it renders in them (htmlCache, keptPages).
type kept[K comparable, V any] struct {
	mu     sync.RWMutex
	values map[K]V
	// most bounds the memory of the cache: past it, it starts again
	// empty, which only costs makings.
	most int
}

func newKept[K comparable, V any](most int) *kept[K, V] {
	return &kept[K, V]{values: map[K]V{}, most: most}
}

// get returns the value of key k, made with make unless it is kept
// already.
func (kc *kept[K, V]) get(k K, make func() (V, error)) (V, error) {
	kc.mu.RLock()
	v, ok := kc.values[k]
	kc.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := make()
	if err != nil {
		return v, err
	}
	kc.mu.Lock()
	if len(kc.values) >= kc.most {
		clear(kc.values)
	}
	kc.values[k] = v
	kc.mu.Unlock()
	return v, nil
}

// htmlCache keeps parts of the catalog's pages rendered. Rendering twenty
// result cards and the filters' hundred options was most of a catalog
// request's time (issue 13: a search at 10,000 electives and 32
// connections), and both are functions of a few values. What is each
// visitor's own (a student's stars, the CSRF token) is laid over the
// parts by the templates.
type htmlCache[K comparable] struct{ parts *kept[K, template.HTML] }

func newHTMLCache[K comparable](most int) htmlCache[K] {
	return htmlCache[K]{parts: newKept[K, template.HTML](most)}
}

// get returns the part of key k, rendering it with render unless it is
// kept already.
func (hc htmlCache[K]) get(k K, render func(*bytes.Buffer) error) (template.HTML, error) {
	return hc.parts.get(k, func() (template.HTML, error) {
		var buf bytes.Buffer
		if err := render(&buf); err != nil {
			return "", err
		}
		return template.HTML(buf.String()), nil // our own template's output, escaped as it ran
	})
}

// catalogParts are the catalog's kept parts: the result cards, the
// filters, and whole pages as visitors who are not signed in see them.
type catalogParts struct {
	cardHTML    htmlCache[cardKey]
	filtersHTML htmlCache[filtersKey]
	pages       *kept[pageKey, *keptPage] // catalog_kept.go
}

// At about 1.5 KB a card, 20,000 cards (every card of a large catalog in
// three languages) is 30 MB; at about 40 KB a page, 500 pages are 20 MB.
func newCatalogParts() catalogParts {
	return catalogParts{cardHTML: newHTMLCache[cardKey](20000), filtersHTML: newHTMLCache[filtersKey](20000),
		pages: newKept[pageKey, *keptPage](500)}
}

// pageKey is all a catalog page shows a visitor who is not signed in: the
// query as typed (the page links back to it), the language, the stamp of
// its results, and whether htmx asked for the results alone.
type pageKey struct {
	query    string
	lang     i18n.Lang
	stamp    catalog.Stamp
	fragment bool
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
