package catalog

import (
	"strings"

	"portal/internal/i18n"
)

// SearchText folds (see Fold) everything a student may type, in either
// language, into one string: titles, descriptions, the institution's
// names, city and identifier, and the names of the specialty, country,
// kind and language codes in every language of names. It is exported so
// that bulk loaders (the benchmark's generator) store exactly what the
// service would.
func SearchText(names *i18n.Bundle, e Elective, inst Institution) string {
	// Titles first, then the institution's names and city: the parts
	// search ranks by (searchParts).
	parts := []string{e.TitleEN, e.TitleZH, inst.NameEN, inst.NameLocal, inst.City, inst.Identifier, e.DescriptionEN, e.DescriptionZH}
	for _, lang := range []i18n.Lang{i18n.English, i18n.TraditionalChinese} {
		parts = append(parts,
			names.T(lang, "specialty."+e.Specialty), names.T(lang, "country."+inst.Country),
			names.T(lang, "elective_kind."+e.Kind), names.T(lang, "language."+e.Language))
	}
	return Fold(strings.Join(parts, " | "))
}

// searchText is SearchText with the service's translations.
func (s *Service) searchText(e Elective, inst Institution) string {
	return SearchText(s.names, e, inst)
}
