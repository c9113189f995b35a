-- Workforce returns: one row per organisation and period. A row is replaced, never added to:
-- the key (org_code, period) is the row's id and the highest version (the time the API received
-- the submission) wins, so a redelivered chunk or a resubmitted return leaves one row. Read with
-- FINAL. Every figure is a Nullable value with, beside it, the DfE symbol that says why it is
-- unknown ('' when it was simply not reported): unknown is never stored as 0.
CREATE TABLE IF NOT EXISTS workforce_returns ${ON_CLUSTER} (
    org_code String,
    period String,
    period_end Date,
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64,
    inpost_fte Nullable(Float64),
    inpost_fte_reason String,
    inpost_headcount Nullable(Float64),
    inpost_headcount_reason String,
    starters_fte Nullable(Float64),
    starters_fte_reason String,
    starters_headcount Nullable(Float64),
    starters_headcount_reason String,
    leavers_fte Nullable(Float64),
    leavers_fte_reason String,
    leavers_headcount Nullable(Float64),
    leavers_headcount_reason String,
    leavers_under_5_years_fte Nullable(Float64),
    leavers_under_5_years_fte_reason String,
    leavers_newly_qualified_fte Nullable(Float64),
    leavers_newly_qualified_fte_reason String,
    agency_fte Nullable(Float64),
    agency_fte_reason String,
    agency_headcount Nullable(Float64),
    agency_headcount_reason String,
    agency_cover_fte Nullable(Float64),
    agency_cover_fte_reason String,
    vacancy_fte Nullable(Float64),
    vacancy_fte_reason String,
    case_holders_fte Nullable(Float64),
    case_holders_fte_reason String,
    cases Nullable(Float64),
    cases_reason String,
    working_days_lost_fte Nullable(Float64),
    working_days_lost_fte_reason String
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, period);
