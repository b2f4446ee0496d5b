-- +goose Up
-- How many applications each (specialty, status) holds, kept exact by the
-- triggers below on every write to applications, whoever makes it (the
-- workflow, a bulk load, a test's INSERT): the review queue's tabs read
-- these few rows instead of counting a stage's index entries. Rows that
-- fall to 0 stay; deleting them would race with the next increment.
CREATE TABLE application_stage_counts (
    specialty TEXT NOT NULL,
    status    TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (specialty, status)
);

-- Statement-level triggers with transition tables: a statement's changes
-- are summed per counter first, so a bulk INSERT of thousands of rows
-- costs one upsert per counter it touches, not one per row. Every delta,
-- up or down, is an upsert applied in (specialty, status) order: two
-- transactions moving applications in opposite directions between the
-- same counters lock them in the same order and wait for each other
-- instead of deadlocking. A counter row stays locked until its
-- transaction ends, so transitions into or out of one (specialty, status)
-- take turns; the workflow writes the status before the seat and quota
-- rows it locks afterwards, and never the other way round.
-- (UPDATE triggers with transition tables cannot name columns: this one
-- fires on every UPDATE and finds nothing to do when neither status nor
-- specialty changed.)
-- +goose StatementBegin
CREATE FUNCTION application_stage_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO application_stage_counts AS c (specialty, status, n)
        SELECT specialty, status, COUNT(*) FROM new_rows GROUP BY specialty, status ORDER BY specialty, status
        ON CONFLICT (specialty, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO application_stage_counts AS c (specialty, status, n)
        SELECT specialty, status, -COUNT(*) FROM old_rows GROUP BY specialty, status ORDER BY specialty, status
        ON CONFLICT (specialty, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO application_stage_counts AS c (specialty, status, n)
        SELECT specialty, status, SUM(d) FROM (
            SELECT o.specialty, o.status, -1 AS d FROM old_rows AS o JOIN new_rows AS w ON w.id = o.id
            WHERE o.status <> w.status OR o.specialty <> w.specialty
            UNION ALL
            SELECT w.specialty, w.status, 1 FROM old_rows AS o JOIN new_rows AS w ON w.id = o.id
            WHERE o.status <> w.status OR o.specialty <> w.specialty
        ) AS moves GROUP BY specialty, status HAVING SUM(d) <> 0 ORDER BY specialty, status
        ON CONFLICT (specialty, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER application_stage_counts_insert AFTER INSERT ON applications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_stage_counts_apply();
CREATE TRIGGER application_stage_counts_update AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_stage_counts_apply();
CREATE TRIGGER application_stage_counts_delete AFTER DELETE ON applications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_stage_counts_apply();

-- The triggers exist before the back-fill, in the same transaction:
-- CREATE TRIGGER holds off other writers until it commits, so no write
-- is counted twice or missed.
INSERT INTO application_stage_counts (specialty, status, n)
SELECT specialty, status, COUNT(*) FROM applications GROUP BY specialty, status;

-- +goose Down
DROP TRIGGER application_stage_counts_delete ON applications;
DROP TRIGGER application_stage_counts_update ON applications;
DROP TRIGGER application_stage_counts_insert ON applications;
DROP FUNCTION application_stage_counts_apply();
DROP TABLE application_stage_counts;
