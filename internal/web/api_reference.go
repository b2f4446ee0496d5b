package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
)

// The API's reference page (issue 15): the OpenAPI document at
// /api/openapi.json, read as a person reads it, so that whoever writes a
// script learns the API without an OpenAPI viewer. The page is made from
// the document itself, so it cannot disagree with what the contract test
// checks.

// apiReference is what the page shows of the document.
type apiReference struct {
	Version, Description string
	Operations           []apiOperation
	Schemas              []apiSchema
}

type apiOperation struct {
	Method, Path, ID, Summary string
	Params                    []apiField
	Body                      apiType // zero without a body
	Responses                 []apiResponse
}

type apiResponse struct {
	Status, Description string
	Type                apiType
}

// apiField is a parameter or a property.
type apiField struct {
	Name, In    string // In: path or query; "" for a property
	Required    bool
	Type        apiType
	Description string
}

// apiType is a schema in a few words; Ref names a schema of the page.
type apiType struct {
	Text, Ref string
}

type apiSchema struct {
	Name, Description string
	Fields            []apiField
}

// openAPI is the part of an OpenAPI 3.1 document the page reads.
type openAPI struct {
	Info struct {
		Title, Version, Description string
	}
	Paths      map[string]map[string]openAPIOperation
	Components struct {
		Schemas map[string]*openAPISchema
	}
}

type openAPIOperation struct {
	OperationID string `json:"operationId"`
	Summary     string
	Parameters  []struct {
		Name, In, Description string
		Required              bool
		Schema                *openAPISchema
	}
	RequestBody *struct {
		Content map[string]struct{ Schema *openAPISchema }
	} `json:"requestBody"`
	Responses map[string]struct {
		Description string
		Content     map[string]struct{ Schema *openAPISchema }
	}
}

type openAPISchema struct {
	Ref         string `json:"$ref"`
	Type        any    // a name, or a list of names in 3.1
	Format      string
	Description string
	Enum        []any
	Items       *openAPISchema
	Properties  map[string]*openAPISchema
	Required    []string
	Minimum     *float64
	Maximum     *float64
}

// readAPIReference reads the document once, when the routes are made.
func readAPIReference(doc []byte) (*apiReference, error) {
	var d openAPI
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("read the OpenAPI document: %w", err)
	}
	ref := &apiReference{Version: d.Info.Version, Description: d.Info.Description}
	methods := []string{"get", "post", "put", "patch", "delete"}
	for _, path := range sortedKeys(d.Paths) {
		for _, m := range methods {
			op, ok := d.Paths[path][m]
			if !ok {
				continue
			}
			o := apiOperation{Method: strings.ToUpper(m), Path: path, ID: op.OperationID, Summary: op.Summary}
			for _, p := range op.Parameters {
				o.Params = append(o.Params, apiField{Name: p.Name, In: p.In, Required: p.Required, Type: typeOf(p.Schema), Description: p.Description})
			}
			if op.RequestBody != nil {
				for _, ct := range sortedKeys(op.RequestBody.Content) {
					o.Body = typeOf(op.RequestBody.Content[ct].Schema)
					break
				}
			}
			for _, status := range sortedKeys(op.Responses) {
				r := op.Responses[status]
				res := apiResponse{Status: status, Description: r.Description}
				for _, ct := range sortedKeys(r.Content) {
					res.Type = typeOf(r.Content[ct].Schema)
					if ct != "application/json" {
						res.Type.Text = ct
					}
					break
				}
				o.Responses = append(o.Responses, res)
			}
			ref.Operations = append(ref.Operations, o)
		}
	}
	for _, name := range sortedKeys(d.Components.Schemas) {
		sc := d.Components.Schemas[name]
		ref.Schemas = append(ref.Schemas, apiSchema{Name: name, Description: sc.Description, Fields: fieldsOf(sc)})
	}
	return ref, nil
}

func fieldsOf(sc *openAPISchema) []apiField {
	var out []apiField
	for _, name := range sortedKeys(sc.Properties) {
		p := sc.Properties[name]
		out = append(out, apiField{Name: name, Required: slices.Contains(sc.Required, name), Type: typeOf(p), Description: p.Description})
	}
	return out
}

// typeOf words a schema: "integer (1–200)", "array of Elective",
// "string: a | b", a reference by its name.
func typeOf(sc *openAPISchema) apiType {
	switch {
	case sc == nil:
		return apiType{}
	case sc.Ref != "":
		name := sc.Ref[strings.LastIndex(sc.Ref, "/")+1:]
		return apiType{Text: name, Ref: name}
	case sc.Items != nil:
		in := typeOf(sc.Items)
		return apiType{Text: "array of " + in.Text, Ref: in.Ref}
	}
	var t string
	switch v := sc.Type.(type) {
	case string:
		t = v
	case []any:
		var names []string
		for _, n := range v {
			names = append(names, fmt.Sprint(n))
		}
		t = strings.Join(names, " | ")
	}
	if sc.Format != "" {
		t += " (" + sc.Format + ")"
	}
	switch {
	case sc.Minimum != nil && sc.Maximum != nil:
		t += fmt.Sprintf(" (%v–%v)", *sc.Minimum, *sc.Maximum)
	case sc.Minimum != nil:
		t += fmt.Sprintf(" (≥ %v)", *sc.Minimum)
	case sc.Maximum != nil:
		t += fmt.Sprintf(" (≤ %v)", *sc.Maximum)
	}
	if len(sc.Enum) > 0 {
		var vs []string
		for _, v := range sc.Enum {
			vs = append(vs, fmt.Sprint(v))
		}
		t += ": " + strings.Join(vs, " | ")
	}
	if len(sc.Properties) > 0 {
		// An inline object, as a list's {items: [...]}: its fields in a
		// line, linked to the schema of the first that has one.
		var fields []string
		var ref string
		for _, name := range sortedKeys(sc.Properties) {
			f := typeOf(sc.Properties[name])
			fields = append(fields, name+": "+f.Text)
			if ref == "" {
				ref = f.Ref
			}
		}
		return apiType{Text: "{" + strings.Join(fields, ", ") + "}", Ref: ref}
	}
	return apiType{Text: t}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type apiReferenceView struct {
	Page
	*apiReference
}

// apiReferencePage serves the reference; anyone may read it, as anyone
// may read the document.
func (s *Server) apiReferencePage(ref *apiReference) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.render.render(c, http.StatusOK, pageAPIReference, apiReferenceView{Page: s.page(c, "api.reference.title"), apiReference: ref})
	}
}
