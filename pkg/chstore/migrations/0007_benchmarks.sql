-- Benchmarks (Standard 2 and later Standard 8), computed by services/benchmark from the fact
-- tables and read by the API, which never aggregates raw rows on request. A period is always
-- recomputed whole, and each row is replaced by its key: the highest version (the time of the
-- computation) wins. Read with FINAL.

-- One organisation's figures for one metric and period: the summed counts it contributes (num,
-- den), its own value (NULL when an input is unknown or the denominator is zero; reason says
-- which), the regions it counts towards (its own, a London sub-region's parent, England), and the
-- median of its statistical neighbours' values.
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
    computed_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (period, metric, org_code);

-- One area's figures (a region, a London sub-region, England) for one metric and period: the
-- ratio of the contributors' summed counts, the median and quartiles of their own values, how
-- many contributed and how many were left out because an input was unknown.
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
    computed_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (period, metric, region_code);
