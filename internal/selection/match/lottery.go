package match

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
)

// Lottery draws each applicant's tiebreak from a seed that is shown and
// stored with the round. The draw is a hash, not math/rand, so that it is the
// same on every platform and Go version and anyone can recompute it:
//
//	tiebreak(id) = first 8 bytes, big-endian, of SHA-256(seed as 8 bytes big-endian || id as 8 bytes big-endian)
//
// (both as two's-complement int64). In Python:
// int.from_bytes(hashlib.sha256(seed.to_bytes(8,'big',signed=True)+id.to_bytes(8,'big',signed=True)).digest()[:8],'big').
func Lottery(seed int64, ids []int64) map[int64]uint64 {
	out := make(map[int64]uint64, len(ids))
	for _, id := range ids {
		out[id] = Draw(seed, id)
	}
	return out
}

// Draw is one applicant's tiebreak; see Lottery.
func Draw(seed, id int64) uint64 {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(seed))
	binary.BigEndian.PutUint64(buf[8:], uint64(id))
	sum := sha256.Sum256(buf[:])
	return binary.BigEndian.Uint64(sum[:8])
}

// TieKeys are one applicant's values of the round's published tie-break
// keys, in the round's order (e.g. the grade average, then the oral exam).
// A higher value goes first; negate a key where lower is better (an earlier
// submission).
type TieKeys struct {
	ID   int64
	Keys []float64
}

// Tiebreaks folds the published tie-break keys and the lottery into the one
// Tiebreak the engine (and applicants.csv) knows: each applicant's position,
// from 1, when all are ordered by their keys (compared in order, higher
// first, a missing or NaN key lowest), then by Draw(seed, id), then by id.
// A tiebreak only decides between applicants of equal class and score, so a
// position over everyone orders each such tie by its keys and then by lot.
// Without keys the order is the lottery's alone, as Lottery's draws give it.
func Tiebreaks(seed int64, entries []TieKeys) map[int64]uint64 {
	type entry struct {
		TieKeys
		draw uint64
	}
	es := make([]entry, len(entries))
	for i, e := range entries {
		es[i] = entry{e, Draw(seed, e.ID)}
	}
	key := func(ks []float64, i int) float64 {
		if i >= len(ks) {
			return math.Inf(-1)
		}
		return orderScore(ks[i])
	}
	slices.SortStableFunc(es, func(x, y entry) int {
		for i := range max(len(x.Keys), len(y.Keys)) {
			if c := cmp.Compare(key(y.Keys, i), key(x.Keys, i)); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(x.draw, y.draw); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	out := make(map[int64]uint64, len(es))
	for i, e := range es {
		if _, dup := out[e.ID]; !dup {
			out[e.ID] = uint64(i + 1)
		}
	}
	return out
}

// NewSeed draws a round's lottery seed from the system's secure source, so
// nobody, the office included, can choose or foresee it before it is
// stored and shown.
func NewSeed() (int64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b[:])), nil
}
