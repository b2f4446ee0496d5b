// Package document is the document wallet: a person's transcripts,
// immunization records, insurance certificates and the like, stored once and
// attached to many applications.
package document

// Service manages documents. (Placeholder until the wallet lands.)
type Service struct{}
