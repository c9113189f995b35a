-- Service demand (issue #13): per local authority, reporting year (the year to 31 March) and
-- figure, the value (NULL when unknown) and the DfE symbol saying why (reason). One row a figure,
-- so that a submission replaces only the figures it gives: the DfE children in need and children
-- looked after files, each holding some of an authority's figures, can be sent one after the
-- other. The newest version of a figure wins (versioned by the time the API received its
-- submission, so a redelivered chunk replaces itself); read with FINAL.
CREATE TABLE IF NOT EXISTS service_demand ${ON_CLUSTER} (
    org_code String,
    period String,
    figure String,
    value Nullable(Float64),
    reason String,
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, period, figure);
