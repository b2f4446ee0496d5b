-- +goose Up
-- The nomination outcomes report (internal/report/outcomes.go) per elective,
-- UTC year of nomination, outcome and whole days to the host's answer,
-- kept exact by the triggers below on every write to application_choices
-- and applications, whoever makes it (the workflow, a bulk load, a test's
-- INSERT): the report reads a few hundred of these rows instead of every
-- nominated choice of the year. Only choices with nominated_at count.
--   outcome     accepted, waitlisted or rejected (the host's answer), else
--               pending (the application's current choice and the
--               application 'nominated') or cancelled (anything else);
--   answer_days whole days from nominated_at to decided_at when the host
--               answered and decided_at is set, -1 otherwise (left out of
--               the median).
-- The year is the UTC year: the portal's zone is configuration, unknown
-- here; the report reads the few hours where its year and UTC's differ
-- from the base rows. Rows that fall to 0 stay; deleting them would race
-- with the next increment. The year leads the key: the report reads one.
CREATE TABLE nomination_outcome_counts (
    nominated_year INTEGER NOT NULL,
    elective_id    BIGINT NOT NULL,
    outcome        TEXT NOT NULL,
    answer_days    INTEGER NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (nominated_year, elective_id, outcome, answer_days)
);

-- The key of one nominated choice, written once for the triggers and the
-- back-fill (simple SQL functions: the planner inlines them). pending is
-- whether the choice is its application's current one and the
-- application 'nominated'.
-- +goose StatementBegin
CREATE FUNCTION nomination_outcome_of(decision TEXT, pending BOOLEAN) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN decision IN ('accepted', 'waitlisted', 'rejected') THEN decision
                WHEN pending THEN 'pending'
                ELSE 'cancelled' END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION nomination_outcome_days(decision TEXT, nominated_at TIMESTAMPTZ, decided_at TIMESTAMPTZ) RETURNS INTEGER
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN decision <> '' AND decided_at IS NOT NULL
                THEN GREATEST(0, floor(EXTRACT(EPOCH FROM decided_at - nominated_at) / 86400))::integer
                ELSE -1 END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION nomination_outcome_year(nominated_at TIMESTAMPTZ) RETURNS INTEGER
LANGUAGE sql IMMUTABLE AS $$
    SELECT EXTRACT(YEAR FROM nominated_at AT TIME ZONE 'UTC')::integer
$$;
-- +goose StatementEnd

-- Statement-level triggers with transition tables, as in 00008: a
-- statement's changes are summed per key, and every delta is an upsert
-- applied in key order, so that two transactions moving nominations
-- between the same keys wait for each other instead of deadlocking.
--
-- An unanswered choice's outcome depends on its application (status,
-- current_choice) too. The choices' trigger first locks those
-- applications (FOR NO KEY UPDATE, in id order); the applications'
-- trigger runs after its UPDATE has locked them. So a change to a choice
-- and a change to its application never compute their deltas from each
-- other's old rows: the second waits for the first to commit and then
-- reads what it wrote (READ COMMITTED: each statement of a trigger sees
-- the latest commits). The workflow locks the application first anyway
-- (its versioned UPDATE).
--
-- The applications are read one by one through their primary key (=
-- ANY (ARRAY(...)), a correlated EXISTS, LATERAL ... OFFSET 0): joined,
-- the planner would hash a bulk statement's rows against a scan of the
-- whole table, a cost that grows with the table.
-- (UPDATE triggers with transition tables cannot name columns: this one
-- fires on every UPDATE and its deltas sum to nothing when no column of
-- the key changed.)
-- +goose StatementBegin
CREATE FUNCTION nomination_outcome_choices_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM applications WHERE id = ANY (ARRAY(
            SELECT application_id FROM new_rows
            WHERE nominated_at IS NOT NULL AND host_decision NOT IN ('accepted', 'waitlisted', 'rejected')
        )) ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO nomination_outcome_counts AS s (nominated_year, elective_id, outcome, answer_days, n)
        SELECT y, e, o, d, COUNT(*) FROM (
            SELECT nomination_outcome_year(c.nominated_at) AS y, c.elective_id AS e,
                   nomination_outcome_of(c.host_decision, EXISTS (SELECT 1 FROM applications AS a
                       WHERE a.id = c.application_id AND a.current_choice = c.rank AND a.status = 'nominated')) AS o,
                   nomination_outcome_days(c.host_decision, c.nominated_at, c.decided_at) AS d
            FROM new_rows AS c WHERE c.nominated_at IS NOT NULL
        ) AS k GROUP BY y, e, o, d ORDER BY y, e, o, d
        ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = s.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM applications WHERE id = ANY (ARRAY(
            SELECT application_id FROM old_rows
            WHERE nominated_at IS NOT NULL AND host_decision NOT IN ('accepted', 'waitlisted', 'rejected')
        )) ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO nomination_outcome_counts AS s (nominated_year, elective_id, outcome, answer_days, n)
        SELECT y, e, o, d, -COUNT(*) FROM (
            SELECT nomination_outcome_year(c.nominated_at) AS y, c.elective_id AS e,
                   nomination_outcome_of(c.host_decision, EXISTS (SELECT 1 FROM applications AS a
                       WHERE a.id = c.application_id AND a.current_choice = c.rank AND a.status = 'nominated')) AS o,
                   nomination_outcome_days(c.host_decision, c.nominated_at, c.decided_at) AS d
            FROM old_rows AS c WHERE c.nominated_at IS NOT NULL
        ) AS k GROUP BY y, e, o, d ORDER BY y, e, o, d
        ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = s.n + EXCLUDED.n;
    ELSE
        PERFORM 1 FROM applications WHERE id = ANY (ARRAY(
            SELECT application_id FROM old_rows
            WHERE nominated_at IS NOT NULL AND host_decision NOT IN ('accepted', 'waitlisted', 'rejected')
            UNION
            SELECT application_id FROM new_rows
            WHERE nominated_at IS NOT NULL AND host_decision NOT IN ('accepted', 'waitlisted', 'rejected')
        )) ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO nomination_outcome_counts AS s (nominated_year, elective_id, outcome, answer_days, n)
        SELECT y, e, o, d, SUM(delta) FROM (
            SELECT nomination_outcome_year(c.nominated_at) AS y, c.elective_id AS e,
                   nomination_outcome_of(c.host_decision, EXISTS (SELECT 1 FROM applications AS a
                       WHERE a.id = c.application_id AND a.current_choice = c.rank AND a.status = 'nominated')) AS o,
                   nomination_outcome_days(c.host_decision, c.nominated_at, c.decided_at) AS d, -1 AS delta
            FROM old_rows AS c WHERE c.nominated_at IS NOT NULL
            UNION ALL
            SELECT nomination_outcome_year(c.nominated_at), c.elective_id,
                   nomination_outcome_of(c.host_decision, EXISTS (SELECT 1 FROM applications AS a
                       WHERE a.id = c.application_id AND a.current_choice = c.rank AND a.status = 'nominated')),
                   nomination_outcome_days(c.host_decision, c.nominated_at, c.decided_at), 1
            FROM new_rows AS c WHERE c.nominated_at IS NOT NULL
        ) AS k GROUP BY y, e, o, d HAVING SUM(delta) <> 0 ORDER BY y, e, o, d
        ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER nomination_outcome_choices_insert AFTER INSERT ON application_choices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nomination_outcome_choices_apply();
CREATE TRIGGER nomination_outcome_choices_update AFTER UPDATE ON application_choices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nomination_outcome_choices_apply();
CREATE TRIGGER nomination_outcome_choices_delete AFTER DELETE ON application_choices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION nomination_outcome_choices_apply();

-- An application's status or current choice moves its unanswered
-- nominations between pending and cancelled; answered ones keep their
-- key. Applications need no INSERT or DELETE trigger: their choices are
-- inserted after them and deleted before them (the foreign key).
-- +goose StatementBegin
CREATE FUNCTION nomination_outcome_applications_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO nomination_outcome_counts AS s (nominated_year, elective_id, outcome, answer_days, n)
    SELECT y, e, o, d, SUM(delta) FROM (
        SELECT nomination_outcome_year(c.nominated_at) AS y, c.elective_id AS e, v.o,
               nomination_outcome_days(c.host_decision, c.nominated_at, c.decided_at) AS d, v.delta
        FROM (
            SELECT prev.id, prev.status AS was_status, prev.current_choice AS was_choice, cur.status, cur.current_choice
            FROM old_rows AS prev JOIN new_rows AS cur ON cur.id = prev.id
            WHERE prev.status <> cur.status OR prev.current_choice <> cur.current_choice
        ) AS m
        CROSS JOIN LATERAL (
            SELECT * FROM application_choices AS c
            WHERE c.application_id = m.id AND c.nominated_at IS NOT NULL
              AND c.host_decision NOT IN ('accepted', 'waitlisted', 'rejected')
            OFFSET 0
        ) AS c
        CROSS JOIN LATERAL (VALUES
            (-1, nomination_outcome_of(c.host_decision, c.rank = m.was_choice AND m.was_status = 'nominated')),
            (1, nomination_outcome_of(c.host_decision, c.rank = m.current_choice AND m.status = 'nominated'))
        ) AS v (delta, o)
    ) AS k GROUP BY y, e, o, d HAVING SUM(delta) <> 0 ORDER BY y, e, o, d
    ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = s.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER nomination_outcome_applications_update AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nomination_outcome_applications_apply();

-- The triggers exist before the back-fill, in the same transaction:
-- CREATE TRIGGER holds off other writers until it commits, so no write
-- is counted twice or missed.
INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
SELECT nomination_outcome_year(c.nominated_at), c.elective_id,
       nomination_outcome_of(c.host_decision, c.rank = a.current_choice AND a.status = 'nominated'),
       nomination_outcome_days(c.host_decision, c.nominated_at, c.decided_at), COUNT(*)
FROM application_choices AS c JOIN applications AS a ON a.id = c.application_id
WHERE c.nominated_at IS NOT NULL
GROUP BY 1, 2, 3, 4;

-- +goose Down
DROP TRIGGER nomination_outcome_applications_update ON applications;
DROP FUNCTION nomination_outcome_applications_apply();
DROP TRIGGER nomination_outcome_choices_delete ON application_choices;
DROP TRIGGER nomination_outcome_choices_update ON application_choices;
DROP TRIGGER nomination_outcome_choices_insert ON application_choices;
DROP FUNCTION nomination_outcome_choices_apply();
DROP FUNCTION nomination_outcome_year(TIMESTAMPTZ);
DROP FUNCTION nomination_outcome_days(TEXT, TIMESTAMPTZ, TIMESTAMPTZ);
DROP FUNCTION nomination_outcome_of(TEXT, BOOLEAN);
DROP TABLE nomination_outcome_counts;
