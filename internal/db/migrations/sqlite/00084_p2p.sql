-- +goose Up
-- Portal to portal (issue 15, docs/p2p.md). p2p_keys holds this portal's
-- own Ed25519 key pair (one row): in the database, not the data dir, so
-- that every replica signs with the same key and a backup of the database
-- restores the trust the partners gave it. p2p_partners is the partner
-- portal the office trusts for one partner institution: its base URL and
-- public key. p2p_nonces are the nonces each partner key has used, so a
-- replayed request is refused; they are kept past the clock window.
CREATE TABLE p2p_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    public_key  TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE p2p_partners (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    base_url       TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX p2p_partners_institution ON p2p_partners (institution_id);
CREATE UNIQUE INDEX p2p_partners_key ON p2p_partners (public_key);

CREATE TABLE p2p_nonces (
    public_key TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    seen_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (public_key, nonce)
);

-- +goose Down
DROP TABLE p2p_nonces;
DROP TABLE p2p_partners;
DROP TABLE p2p_keys;
