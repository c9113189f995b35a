-- The access trail: one row per API request under /v1 (every write, every read, every refusal):
-- when, who (subject, client, organisation, roles), what (operation, the organisation concerned,
-- the submission), and the outcome. Rows are written by ingest from the TRAIL stream; request_id
-- is the stream's message id, so a redelivered batch is one row per request when read with FINAL.
CREATE TABLE IF NOT EXISTS access_trail ${ON_CLUSTER} (
    at DateTime,
    request_id String,
    subject String,
    client_id String,
    org String,
    roles Array(String),
    method String,
    operation String,
    path String,
    target_org String,
    submission_id String,
    status UInt16,
    outcome Enum8('allowed' = 1, 'refused' = 2, 'failed' = 3),
    remote_addr String,
    detail String
) ENGINE = ${REPLICATED}ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (at, request_id);
