-- Standard 8 and survey-derived benchmarks (issue #6). A survey-derived figure carries the number
-- of respondents behind it (respondents), so that the API can protect it again for each reader,
-- and why disclosure control withholds it (withheld: 'fewer_than_threshold' or 'secondary'; ''
-- when published). The benchmark tables hold only what services/benchmark derives from the fact
-- tables, so they are recreated with the new columns rather than altered (ClickHouse 18.16 has
-- no way to add a column only when it is missing, and migrators may run at once): the benchmark service rebuilds
-- them when it finds them empty. Comments on the columns: see 0007_benchmarks.sql.
DROP TABLE IF EXISTS benchmark_values ${ON_CLUSTER};
DROP TABLE IF EXISTS benchmark_regions ${ON_CLUSTER};

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
    computed_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (period, metric, region_code);
