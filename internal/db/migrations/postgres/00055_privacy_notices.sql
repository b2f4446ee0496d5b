-- +goose Up
-- Who acknowledged which privacy notice, at which version (issue 18). The
-- notices' text is in the translations, one version per key; a new version
-- asks everyone again, and the old acknowledgement stays as proof of what
-- the person was told then.
CREATE TABLE privacy_notice_acks (
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notice          TEXT NOT NULL,
    version         TEXT NOT NULL,
    acknowledged_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, notice, version)
);

-- +goose Down
DROP TABLE privacy_notice_acks;
