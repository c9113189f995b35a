-- Alliances: named sets of organisations, managed by stewards through the API. The newest
-- version of an alliance wins (read with FINAL); a deleted alliance keeps a row with deleted = 1.
CREATE TABLE IF NOT EXISTS alliances ${ON_CLUSTER} (
    id String,
    name String,
    members Array(String),
    updated_at DateTime,
    updated_by String,
    deleted UInt8,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY id;
