-- Benchmarks and projection inputs written row by row (issue #17). A recomputation writes only
-- the rows whose figures changed, each with its own version, and a tombstone (deleted = 1, the
-- other columns empty) for a row it no longer has (a placement's host or academic year
-- corrected, say): a key's highest version is its current state, read with FINAL and
-- `deleted = 0`, instead of every row of a period's latest computation. The tables hold only what
-- services/benchmark derives from the fact tables, so they are recreated with the new column
-- rather than altered (see 0008_benchmark_disclosure.sql); the benchmark service rebuilds them
-- when it finds them empty. Comments on the other columns: see 0007_benchmarks.sql and
-- 0012_projection_inputs.sql.
DROP TABLE IF EXISTS benchmark_values ${ON_CLUSTER};
DROP TABLE IF EXISTS benchmark_regions ${ON_CLUSTER};
DROP TABLE IF EXISTS projection_inputs ${ON_CLUSTER};

CREATE TABLE IF NOT EXISTS benchmark_values ${ON_CLUSTER} (
    period String,
    metric String,
    org_code String,
    org_name String,
    regions Array(String),
    num Nullable(Float64),
    den Nullable(Float64),
    value Nullable(Float64),
    reason String,
    sn_median Nullable(Float64),
    sn_count UInt16,
    respondents UInt32,
    withheld String,
    deleted UInt8,
    computed_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (period, metric, org_code);

CREATE TABLE IF NOT EXISTS benchmark_regions ${ON_CLUSTER} (
    period String,
    metric String,
    region_code String,
    region_name String,
    level String,
    num Float64,
    den Float64,
    value Nullable(Float64),
    median Nullable(Float64),
    p25 Nullable(Float64),
    p75 Nullable(Float64),
    contributors UInt32,
    excluded UInt32,
    respondents UInt32,
    withheld String,
    deleted UInt8,
    computed_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (period, metric, region_code);

CREATE TABLE IF NOT EXISTS projection_inputs ${ON_CLUSTER} (
    period String,
    org_code String,
    org_name String,
    regions Array(String),
    figure String,
    value Nullable(Float64),
    reason String,
    deleted UInt8,
    computed_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (period, org_code, figure);
