-- Health-check survey results and employer audit submissions (issue #5), and their reference
-- data: the audit framework (standards and items, versioned, with the mapping between versions)
-- and the survey question bank. Reference rows are loaded from the files embedded in pkg/audit
-- and pkg/survey at every start (audit.Seed, survey.Seed); they are keyed, so read with FINAL.

CREATE TABLE IF NOT EXISTS audit_standards ${ON_CLUSTER} (
    standard UInt8,
    title String
) ENGINE = ${REPLICATED}ReplacingMergeTree
ORDER BY standard;

CREATE TABLE IF NOT EXISTS audit_framework_versions ${ON_CLUSTER} (
    version String,
    first_cycle UInt16,
    description String
) ENGINE = ${REPLICATED}ReplacingMergeTree
ORDER BY version;

CREATE TABLE IF NOT EXISTS audit_items ${ON_CLUSTER} (
    version String,
    item_id String,
    standard UInt8,
    title String
) ENGINE = ${REPLICATED}ReplacingMergeTree
ORDER BY (version, item_id);

-- An item of one version that became (all or part of) an item of another; items whose id is in
-- both versions and that are not listed map to themselves.
CREATE TABLE IF NOT EXISTS audit_item_map ${ON_CLUSTER} (
    from_version String,
    from_item String,
    to_version String,
    to_item String,
    note String
) ENGINE = ${REPLICATED}ReplacingMergeTree
ORDER BY (from_version, from_item, to_version, to_item);

CREATE TABLE IF NOT EXISTS survey_questions ${ON_CLUSTER} (
    question String,
    standard UInt8,
    text String
) ENGINE = ${REPLICATED}ReplacingMergeTree
ORDER BY question;

-- Audit ratings with their history: one row per organisation, cycle, item and submission. A
-- redelivered chunk replaces itself (same key, same version); a later submission adds a row, and
-- the current rating of an item is the one with the highest version (the time the API received
-- it): read with FINAL, ORDER BY version DESC, LIMIT 1 BY org_code, cycle, item_id.
CREATE TABLE IF NOT EXISTS audit_ratings ${ON_CLUSTER} (
    org_code String,
    cycle UInt16,
    item_id String,
    framework_version String,
    standard UInt8,
    rating Enum8('RED' = 1, 'AMBER' = 2, 'GREEN' = 3),
    evidence String,
    priority Enum8('LOW' = 1, 'MEDIUM' = 2, 'HIGH' = 3),
    action String,
    owner String,
    due Nullable(Date),
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, cycle, item_id, submission_id);

-- Survey results, aggregated only: per organisation, survey year, question and respondent group
-- the count for each point of the 5-point agree scale and the respondents n (their sum). A newer
-- submission replaces an older one (highest version wins); read with FINAL.
CREATE TABLE IF NOT EXISTS survey_results ${ON_CLUSTER} (
    org_code String,
    year UInt16,
    question String,
    standard UInt8,
    respondent_group String,
    strongly_disagree UInt32,
    disagree UInt32,
    neutral UInt32,
    agree UInt32,
    strongly_agree UInt32,
    n UInt32,
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, year, question, respondent_group);
