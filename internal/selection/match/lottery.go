package match

import (
	"crypto/sha256"
	"encoding/binary"
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
