package web

// The filters of the catalog and of the review queue sit behind a
// disclosure on a phone ("Filters (2 active)"), so that the first results
// show on the first screen; its summary says how many filters are on, since
// the closed disclosure hides them.

// filterSummary is the disclosure's summary for n active filters.
func filterSummary(p Page, n int) string {
	if n == 0 {
		return p.T("filters.summary.none")
	}
	return p.T("filters.summary", n)
}

// countSet counts the values that are not empty.
func countSet(values ...string) int {
	n := 0
	for _, v := range values {
		if v != "" {
			n++
		}
	}
	return n
}

// FilterSummary is the catalog's: the search words stay outside the
// disclosure and are not counted.
func (v browseCatalogView) FilterSummary() string {
	q := v.Query
	n := countSet(q.Country, q.Specialty, q.Kind, q.Language, q.Month)
	if q.SeatsOnly {
		n++
	}
	return filterSummary(v.Page, n)
}

// FilterSummary is the review queue's; the order of the rows is not a
// filter.
func (v reviewView) FilterSummary() string {
	f := v.Form
	return filterSummary(v.Page, countSet(f.Stage, f.Partner, f.Month, f.Specialty, f.Waiting))
}

// FiltersOpen opens the queue's disclosure when a filter is refused, so that
// its message is seen.
func (v reviewView) FiltersOpen() bool { return len(v.Form.Fields) > 0 }
