-- Standard 8 (issue #4): placements, placement capacity and practice educators.
--
-- Placements: the latest report of each placement wins, and every report is kept as history.
-- placements holds one row per university, student reference, cohort and stage (ReplacingMergeTree,
-- versioned by the time the API received the submission; read with FINAL), so a placement reported
-- again as it progresses, or a redelivered chunk, leaves one row. placement_history holds one row
-- per placement and submission (the submission id is in its key, so a redelivered chunk replaces
-- itself while a later submission adds a row): the placement's path from planned to its outcome.
-- Both are written by placement.Store.Insert, history first and then placements (two inserts:
-- after a failure between them, placements is never ahead of the history, and the redelivered
-- chunk, with the same version, brings both level). Only reads with FINAL (or argMax) are exact:
-- a plain read may show a redelivered row twice until the parts merge. No student is ever named: the
-- student reference is a pseudonym the university derives with a secret it keeps.
CREATE TABLE IF NOT EXISTS placements ${ON_CLUSTER} (
    org_code String,
    student_ref String,
    cohort String,
    stage Enum8('skills_days' = 1, 'first' = 2, 'final' = 3),
    academic_year String,
    route Enum8('undergraduate' = 1, 'postgraduate' = 2, 'apprenticeship' = 3, 'step_up' = 4, 'frontline' = 5),
    host_org String,
    setting Enum8('la' = 1, 'voluntary' = 2, 'private' = 3, 'health' = 4, 'education' = 5),
    statutory_tasks UInt8,
    service_user_group String,
    planned_days UInt16,
    completed_days Nullable(UInt16),
    pe_stage UInt8,
    pe_location String,
    outcome Enum8('planned' = 1, 'ongoing' = 2, 'passed' = 3, 'failed' = 4, 'withdrawn' = 5, 'deferred' = 6),
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, student_ref, cohort, stage);

-- The same columns as placements.
CREATE TABLE IF NOT EXISTS placement_history ${ON_CLUSTER} AS placements
ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, student_ref, cohort, stage, submission_id);

-- Placement capacity: per organisation, academic year and stage, places requested (a university)
-- or offered and confirmed (an employer). NULL is not reported, never 0. Newest version wins;
-- read with FINAL.
CREATE TABLE IF NOT EXISTS placement_capacity ${ON_CLUSTER} (
    org_code String,
    academic_year String,
    stage Enum8('skills_days' = 1, 'first' = 2, 'final' = 3),
    requested Nullable(UInt32),
    offered Nullable(UInt32),
    confirmed Nullable(UInt32),
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, academic_year, stage);

-- Practice educators: per employer and period (YYYY or YYYY-Qn). NULL is not reported. Newest
-- version wins; read with FINAL.
CREATE TABLE IF NOT EXISTS practice_educators ${ON_CLUSTER} (
    org_code String,
    period String,
    period_end Date,
    stage1 Nullable(UInt32),
    stage2 Nullable(UInt32),
    active Nullable(UInt32),
    students_supported Nullable(UInt32),
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, period);
