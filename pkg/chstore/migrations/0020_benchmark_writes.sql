-- When the benchmark tables of a period are being written (issue #13). A recomputation writes a
-- period's organisation values, area values and projection inputs in separate inserts, so a
-- reader between them would see some tables new and others old. It inserts mark 2v+1 for each
-- of its periods before the first of them and 2v+2 after the last (v its version): a period
-- whose highest mark is odd is being written, and a reader that finds the same even mark before
-- and after reading a period has read one recomputation whole. Marks only grow; the table keeps
-- the highest of each period once merged (max(mark) is right before too).
CREATE TABLE IF NOT EXISTS benchmark_writes ${ON_CLUSTER} (
    period String,
    mark UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(mark)
ORDER BY period;
