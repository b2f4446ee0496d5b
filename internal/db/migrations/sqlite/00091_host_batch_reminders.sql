-- +goose Up
-- When a batch link's contact was reminded (internal/host/batch_remind.go):
-- once per batch, with a new link for the nominees still waiting.
ALTER TABLE host_batch_links ADD COLUMN reminded_at TIMESTAMP;

-- +goose Down
ALTER TABLE host_batch_links DROP COLUMN reminded_at;
