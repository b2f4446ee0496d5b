// Package match is the selection round's matching engine: who gets which
// seat when more students want a period than it has seats. It is pure Go
// (no database, no HTTP, no translations) so that the dry run, the
// published round and anyone holding the round's CSV files compute the same
// placements; reasons are codes with data, which the caller words.
//
// # The rule, in plain words
//
// Every applicant ranks up to a few periods (first choice, second, third).
// The office decides beforehand who may go where (year of study, language,
// a placement the student already holds that would overlap); those choices
// are marked ineligible and are never given.
//
// The applicants are put in one line, the service order:
//
//  1. priority class 1 before class 2 (for example, students who have not
//     had an exchange yet before those who have);
//  2. within a class, the higher score first;
//  3. equal scores by the tie-break keys the round published, then by a
//     lottery whose seed is shown and stored with the round;
//  4. and, should two draws be equal, the smaller applicant id.
//
// Walking down the line, each applicant receives their highest-ranked
// choice that is eligible, whose period still has a seat, and whose
// partner agreement still has yearly quota (several periods of one partner
// can share one quota). Nobody is ever moved once placed. An applicant none
// of whose choices can be given stays unplaced and waits for a freed seat
// or the next round.
//
// This is called serial dictatorship. When every seat ranks students by
// the same score, it gives exactly what student-proposing deferred
// acceptance gives, and it has the three properties the office can promise:
//
//   - no justified envy: if a student did not get a choice ranked above
//     their placement, every seat of that period (or every place of that
//     agreement's quota) went to a student served before them;
//   - no wasted seat: a choice is refused only when it is ineligible or
//     full, never while a seat of it is free;
//   - honesty pays: ranking the periods in the order one really prefers is
//     always best, since a choice's rank only matters once everyone served
//     earlier has been placed.
//
// # Explanations
//
// For each choice ranked above what an applicant got (every choice, when
// unplaced), the Outcome holds a Skip with the reason: "ineligible:<code>",
// "full" (with the scores of those who took the seats: "went to 91.2 and
// 89.5; yours 88.1"), "quota" (the scores of those who took the agreement's
// places) or "not_offered" (the period is not part of the round). Result
// also has each period's cutoff (the lowest score placed there), the seats
// left and the count placed at each choice. Compare shows two runs side by
// side, for example dry runs before and after a change of weights.
//
// # Checking a round independently
//
// A round is fully described by three CSV files, and its outcome by a
// fourth (see csv.go for the exact columns): applicants.csv
// (applicant_id,score,priority_class,tiebreak), choices.csv
// (applicant_id,rank,period_id,eligible,ineligible_reason), seats.csv
// (period_id,capacity_left,agreement_id,quota_left) and result.csv
// (applicant_id,rank_given,period_id,cutoff_score,reason), with rank_given,
// period_id and cutoff_score empty for an unplaced applicant and reason
// listing each skipped choice as "rank:reason" joined by ";". Anyone can
// sort the applicants as above, walk down the line and obtain the same
// result.csv byte for byte. The tiebreak column is the lottery's draw: the
// first 8 bytes, read as a big-endian number, of SHA-256 of the seed and
// the applicant id, each as 8 big-endian bytes (see Lottery). When the
// round publishes tie-break keys, the tiebreak column is instead each
// applicant's position when ordered by those keys and then by that draw
// (see Tiebreaks), so the files stay four columns and the check the same.
//
// # After publication
//
// Waitlists gives each period's queue: the eligible applicants who lost it
// to someone served earlier, in service order; a freed seat goes to the
// first of them who can still take it. Next gives a student whom a host
// rejected their next choice that still has a free seat, so nobody already
// nominated is bumped.
//
// # Scholarships
//
// Award ranks the requests of a funding call in the same order and funds
// each eligible request, in that order, while an award and enough money are
// left; a request the remaining money cannot cover is passed over, and a
// later, smaller one may still be funded. Nobody is funded in part.
//
// # Speed
//
// A dry run of 5,000 applicants with 3 choices over 600 periods takes a few
// milliseconds, 50,000 over 6,000 periods well under a second; the cost is
// one sort (n log n) and one pass over the choices. `make bench
// BENCHFLAGS="-run selection"` prints both figures.
//
// # Differences from the API first agreed (issue 14), small and additive
//
//   - Outcome carries the applicant's Score, so a page can say "yours 88.1"
//     and Compare can show score changes without the inputs.
//   - Result.PlacedAt is a slice indexed by rank ([0] = unplaced), at least
//     4 long, so a round allowing more than 3 choices still counts every
//     rank; r.PlacedAt[0..3] read as before.
//   - choices.csv has a fifth column, ineligible_reason, so the reason code
//     of an ineligible choice survives the round trip and result.csv can be
//     recomputed from the files alone; a file without it still reads.
//   - Two more skip reasons: "not_offered" (the period has no row in seats)
//     and, from Award, "budget".
//   - The CSV functions are WriteApplicants, WriteChoices, WriteSeats,
//     WriteResult, ReadApplicants, ReadChoices and ReadSeats, with
//     WriteInputs and ReadInputs for the three input files at once; a bad
//     file is a *CSVError naming the file, line, column and problem code.
//   - Added: Less and Order (the service order), Draw (one lottery draw),
//     NewSeed (a seed nobody chooses),
//     Tiebreaks (the published tie-break keys, then the lottery, folded
//     into the one Tiebreak number: the rounds have keys, the
//     agreed API had only the lottery), Waitlists, Next, Award, Synthetic
//     (a round for benchmarks and demos).
//   - Scores are compared exactly: round them to the published precision
//     before the run, or 88.13 and 88.14 differ though both read 88.1.
package match
