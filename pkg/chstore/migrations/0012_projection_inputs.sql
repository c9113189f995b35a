-- Projection inputs (issue #13): the figures each organisation's workforce projection starts
-- from, per period (in-post, starters, leavers, vacancies, agency and case-holders FTE, cases,
-- children in need, child population, final placements passed, practice educators), written by
-- services/benchmark with each period's benchmarks from the same figures, so that the API
-- projects from precomputed inputs and never aggregates raw rows on request. regions are every
-- area the organisation counts towards, innermost first. A computation writes every row of its
-- period with one version; only the latest version of a period is read, as for the benchmarks.
CREATE TABLE IF NOT EXISTS projection_inputs ${ON_CLUSTER} (
    period String,
    org_code String,
    org_name String,
    regions Array(String),
    figure String,
    value Nullable(Float64),
    reason String,
    computed_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (period, org_code, figure);
