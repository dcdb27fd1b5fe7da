// Package integrity is Logbook's verifiable log: a Merkle tree over the
// audit log (RFC 6962 hashing), whose leaves are commitments to the
// entries rather than their content, signed checkpoints in the C2SP
// tlog-checkpoint format, the tiles and entry bundles of C2SP tlog-tiles
// that let anyone who does not trust the server recompute the tree, and
// the client that does so (logbook verify --log).
//
// A leaf is a small fixed record (Leaf): the leaf index, the entry's
// timestamp, its domain's number and SHA-256 over the log's origin, the
// index, a random per-entry salt and the entry's canonical encoding
// (Commit). The public tree thus reveals how many entries there are,
// when and in which domain, never what they say; a guessed entry cannot
// be confirmed without its salt; and a purge can drop an entry's content
// and salt while its leaf stays, so every later checkpoint still verifies.
//
// The package holds formats and protocols only; the store keeps the
// leaves and the tree's stored hashes (tlog.StoredHashes), and serves them
// to Handler through the Log interface.
package integrity
