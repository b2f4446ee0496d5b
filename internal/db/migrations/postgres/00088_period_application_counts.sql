-- +goose Up
-- How many applications each (period, status) holds, kept exact by the
-- triggers below on every write, whoever makes it (the workflow, a bulk
-- load, a test's INSERT): the seat fill, reciprocity and agreement reports
-- read these few rows per period instead of joining every choice to its
-- application (issue 17). current_n counts the applications in the status
-- whose current choice (rank = current_choice) is the period; first_n the
-- submitted ones (submitted_at set) that ranked it first. A draft counts
-- nowhere: it holds no seat and is nobody's demand until submitted, and
-- leaving it out keeps students editing drafts of one period from taking
-- turns on its counters. Rows that fall to 0 stay; deleting them would
-- race with the next increment.
CREATE TABLE period_application_counts (
    period_id BIGINT NOT NULL,
    status    TEXT NOT NULL,
    current_n INTEGER NOT NULL,
    first_n   INTEGER NOT NULL,
    PRIMARY KEY (period_id, status)
);

-- A transaction's changes to the counters, summed per statement by the
-- triggers below and applied when it commits (period_application_counts_
-- apply), and the mark that it has some. Only the transaction that wrote
-- a row ever sees it: the apply deletes them before the commit.
CREATE TABLE period_application_count_deltas (
    xact      BIGINT NOT NULL DEFAULT txid_current(),
    period_id BIGINT NOT NULL,
    status    TEXT NOT NULL,
    current_n INTEGER NOT NULL,
    first_n   INTEGER NOT NULL
);
CREATE INDEX period_application_count_deltas_xact ON period_application_count_deltas (xact);
CREATE TABLE period_application_count_marks (
    xact BIGINT PRIMARY KEY DEFAULT txid_current()
);

-- The counters change once per transaction, at its commit, in one upsert
-- summed per counter and made in (period_id, status) order. Unlike
-- 00008's counters, which a transaction changes once (a move writes its
-- status once), these change in several statements of one transaction:
-- a draft's choices are deleted, then inserted again. Upserted statement
-- by statement, two students editing drafts between the same periods
-- would lock the counters in crossing orders and deadlock. At commit a
-- transaction waits only for counters, taken in one order by all, and
-- holds them for no longer than its commit. The deferred trigger is on the
-- mark, one row per transaction (ON CONFLICT DO NOTHING fires nothing), so
-- that it runs once, however many deltas a bulk load wrote; a statement
-- after it (SET CONSTRAINTS ... IMMEDIATE) marks the transaction again.
-- +goose StatementBegin
CREATE FUNCTION period_application_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM period_application_count_marks WHERE xact = txid_current();
    WITH d AS (
        DELETE FROM period_application_count_deltas WHERE xact = txid_current()
        RETURNING period_id, status, current_n, first_n
    )
    INSERT INTO period_application_counts AS k (period_id, status, current_n, first_n)
    SELECT period_id, status, SUM(current_n), SUM(first_n) FROM d GROUP BY period_id, status
    HAVING SUM(current_n) <> 0 OR SUM(first_n) <> 0 ORDER BY period_id, status
    ON CONFLICT (period_id, status) DO UPDATE SET current_n = k.current_n + EXCLUDED.current_n, first_n = k.first_n + EXCLUDED.first_n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER period_application_counts_apply AFTER INSERT ON period_application_count_marks
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION period_application_counts_apply();

-- A count depends on a choice (its application, rank and period) and on
-- its application (status, current choice, whether submitted): each table's
-- trigger reads the other's rows as they stand. Statement-level triggers
-- with transition tables sum a statement's changes per counter, so that a
-- bulk INSERT of thousands of choices writes a delta per counter it
-- touches, not one per row.
--
-- Applications have no INSERT or DELETE trigger: the foreign key from
-- application_choices means an application has no choice yet when it is
-- inserted and none left when it is deleted, so neither changes a count;
-- its choices count when they are inserted and deleted.
--
-- Concurrency: a choice's trigger locks its application FOR SHARE before
-- reading it. A transaction moving the application (UPDATE takes FOR NO
-- KEY UPDATE, which conflicts) either moved it first, and the choice's
-- trigger waits for it and reads the moved row, or moves it after the
-- choice's transaction ends, and its own trigger then reads the new choice.
-- Either way each pair is counted once. (OFFSET 0 keeps the planner from
-- pushing the filter on status into the locked scan: there it would test
-- the row as it stood before a concurrent move out of draft and skip it
-- without waiting for the move.)
-- +goose StatementBegin
CREATE FUNCTION period_application_counts_choices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO period_application_count_deltas (period_id, status, current_n, first_n)
        SELECT m.period_id, a.status, SUM(m.sign * (m.rank = a.current_choice)::int),
            SUM(m.sign * (m.rank = 1 AND a.submitted_at IS NOT NULL)::int)
        FROM (SELECT application_id, rank, period_id, 1 AS sign FROM new_rows) AS m
        CROSS JOIN LATERAL (SELECT status, current_choice, submitted_at FROM applications
            WHERE id = m.application_id OFFSET 0 FOR SHARE) AS a
        WHERE a.status <> 'draft'
        GROUP BY m.period_id, a.status
        HAVING SUM(m.sign * (m.rank = a.current_choice)::int) <> 0 OR SUM(m.sign * (m.rank = 1 AND a.submitted_at IS NOT NULL)::int) <> 0;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO period_application_count_deltas (period_id, status, current_n, first_n)
        SELECT m.period_id, a.status, SUM(m.sign * (m.rank = a.current_choice)::int),
            SUM(m.sign * (m.rank = 1 AND a.submitted_at IS NOT NULL)::int)
        FROM (SELECT application_id, rank, period_id, -1 AS sign FROM old_rows) AS m
        CROSS JOIN LATERAL (SELECT status, current_choice, submitted_at FROM applications
            WHERE id = m.application_id OFFSET 0 FOR SHARE) AS a
        WHERE a.status <> 'draft'
        GROUP BY m.period_id, a.status
        HAVING SUM(m.sign * (m.rank = a.current_choice)::int) <> 0 OR SUM(m.sign * (m.rank = 1 AND a.submitted_at IS NOT NULL)::int) <> 0;
    ELSE
        -- Only the rows whose application, rank or period changed: an
        -- update of a host's decision or a seat moves no count, and locks
        -- no application.
        INSERT INTO period_application_count_deltas (period_id, status, current_n, first_n)
        SELECT m.period_id, a.status, SUM(m.sign * (m.rank = a.current_choice)::int),
            SUM(m.sign * (m.rank = 1 AND a.submitted_at IS NOT NULL)::int)
        FROM (
            SELECT application_id, rank, period_id, -1 AS sign FROM (
                SELECT application_id, rank, period_id FROM old_rows
                EXCEPT ALL SELECT application_id, rank, period_id FROM new_rows) AS gone
            UNION ALL
            SELECT application_id, rank, period_id, 1 FROM (
                SELECT application_id, rank, period_id FROM new_rows
                EXCEPT ALL SELECT application_id, rank, period_id FROM old_rows) AS came
        ) AS m
        CROSS JOIN LATERAL (SELECT status, current_choice, submitted_at FROM applications
            WHERE id = m.application_id OFFSET 0 FOR SHARE) AS a
        WHERE a.status <> 'draft'
        GROUP BY m.period_id, a.status
        HAVING SUM(m.sign * (m.rank = a.current_choice)::int) <> 0 OR SUM(m.sign * (m.rank = 1 AND a.submitted_at IS NOT NULL)::int) <> 0;
    END IF;
    IF FOUND THEN
        INSERT INTO period_application_count_marks DEFAULT VALUES ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER period_application_counts_choice_insert AFTER INSERT ON application_choices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_application_counts_choices();
CREATE TRIGGER period_application_counts_choice_update AFTER UPDATE ON application_choices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_application_counts_choices();
CREATE TRIGGER period_application_counts_choice_delete AFTER DELETE ON application_choices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION period_application_counts_choices();

-- An application's move takes its choices' counts from the old (status,
-- current choice, submitted) to the new. Only the rows where one of those
-- changed read their choices: most updates (a version, a date) move
-- nothing. (UPDATE triggers with transition tables cannot name columns.)
-- +goose StatementBegin
CREATE FUNCTION period_application_counts_applications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO period_application_count_deltas (period_id, status, current_n, first_n)
    SELECT c.period_id, m.status, SUM(m.sign * (c.rank = m.current_choice)::int),
        SUM(m.sign * (c.rank = 1 AND m.submitted)::int)
    FROM (
        SELECT o.id, o.status, o.current_choice, o.submitted_at IS NOT NULL AS submitted, -1 AS sign
        FROM old_rows AS o JOIN new_rows AS w ON w.id = o.id
        WHERE o.status <> w.status OR o.current_choice <> w.current_choice OR (o.submitted_at IS NULL) <> (w.submitted_at IS NULL)
        UNION ALL
        SELECT w.id, w.status, w.current_choice, w.submitted_at IS NOT NULL, 1
        FROM old_rows AS o JOIN new_rows AS w ON w.id = o.id
        WHERE o.status <> w.status OR o.current_choice <> w.current_choice OR (o.submitted_at IS NULL) <> (w.submitted_at IS NULL)
    ) AS m
    JOIN application_choices AS c ON c.application_id = m.id
    WHERE m.status <> 'draft'
    GROUP BY c.period_id, m.status
    HAVING SUM(m.sign * (c.rank = m.current_choice)::int) <> 0 OR SUM(m.sign * (c.rank = 1 AND m.submitted)::int) <> 0;
    IF FOUND THEN
        INSERT INTO period_application_count_marks DEFAULT VALUES ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER period_application_counts_update AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_application_counts_applications();

-- The triggers exist before the back-fill, in the same transaction:
-- CREATE TRIGGER holds off other writers until it commits, so no write
-- is counted twice or missed.
INSERT INTO period_application_counts (period_id, status, current_n, first_n)
SELECT c.period_id, a.status, SUM(CASE WHEN c.rank = a.current_choice THEN 1 ELSE 0 END),
    SUM(CASE WHEN c.rank = 1 AND a.submitted_at IS NOT NULL THEN 1 ELSE 0 END)
FROM applications AS a JOIN application_choices AS c ON c.application_id = a.id
WHERE a.status <> 'draft'
GROUP BY c.period_id, a.status
HAVING SUM(CASE WHEN c.rank = a.current_choice OR (c.rank = 1 AND a.submitted_at IS NOT NULL) THEN 1 ELSE 0 END) > 0;

-- +goose Down
DROP TRIGGER period_application_counts_update ON applications;
DROP FUNCTION period_application_counts_applications();
DROP TRIGGER period_application_counts_choice_delete ON application_choices;
DROP TRIGGER period_application_counts_choice_update ON application_choices;
DROP TRIGGER period_application_counts_choice_insert ON application_choices;
DROP FUNCTION period_application_counts_choices();
DROP TRIGGER period_application_counts_apply ON period_application_count_marks;
DROP FUNCTION period_application_counts_apply();
DROP TABLE period_application_count_marks;
DROP TABLE period_application_count_deltas;
DROP TABLE period_application_counts;
