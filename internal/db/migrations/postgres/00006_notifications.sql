-- +goose Up
-- The outbox: one row per mail to send, written by the domain in the same
-- transaction as the change that causes it, so that a change never loses its
-- mail and a rolled-back change never sends one. Workers of every replica
-- claim due rows (FOR UPDATE SKIP LOCKED), mark them sending with a lease
-- (locked_until), send outside the transaction, then mark them sent, or
-- pending again at next_attempt_at, or failed after the last attempt. A row
-- whose lease expired (its sender crashed) is claimable again.
CREATE TABLE outbox (
    id                BIGSERIAL PRIMARY KEY,
    kind              TEXT NOT NULL,
    recipient_user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    recipient_email   TEXT NOT NULL DEFAULT '',
    lang              TEXT NOT NULL DEFAULT '',
    data              TEXT NOT NULL DEFAULT '{}',
    link              TEXT NOT NULL DEFAULT '',
    review            BOOLEAN NOT NULL DEFAULT FALSE,
    dedup_key         TEXT,
    status            TEXT NOT NULL DEFAULT 'pending',
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMPTZ NOT NULL,
    locked_until      TIMESTAMPTZ,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    sent_at           TIMESTAMPTZ,
    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    CHECK (recipient_user_id IS NOT NULL OR recipient_email <> '')
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE UNIQUE INDEX outbox_dedup ON outbox (dedup_key);

-- What the bell shows: one row per event for a person, read or not. The
-- title is a message key translated when shown, in the reader's language.
CREATE TABLE notifications (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    title_key  TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    link       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);

-- A person's mail preferences: the optional kinds they turned off, and for
-- reviewers whether queue mail comes as a daily digest or at once.
CREATE TABLE notification_settings (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    muted      TEXT NOT NULL DEFAULT '',
    digest     TEXT NOT NULL DEFAULT 'daily',
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (digest IN ('daily', 'immediate'))
);

-- +goose Down
DROP TABLE notification_settings;
DROP TABLE notifications;
DROP TABLE outbox;
