-- +goose Up
-- The coordinators of a department are reminded once when a confirmed
-- rotation's close (attendance and evaluation, which the certificate
-- waits for) is still missing a week after its last day (issue 16). The
-- row is the claim: inserted in the transaction that queues the mails, so
-- a restart or a second replica never reminds twice.
CREATE TABLE rotation_close_reminders (
    request_id  INTEGER PRIMARY KEY REFERENCES rotation_requests (id),
    reminded_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE rotation_close_reminders;
