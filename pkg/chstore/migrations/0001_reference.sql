-- Reference data: the English regions and the organisations that submit returns.
-- Rows are replaced by key; read them with FINAL (or argMax) to see only the newest row.

-- level: 'england' is the country row, parent of the regions; subregions name a region as parent.
CREATE TABLE IF NOT EXISTS regions ${ON_CLUSTER} (
    code String,
    name String,
    level Enum8('england' = 1, 'region' = 2, 'subregion' = 3),
    parent_code String
) ENGINE = ${REPLICATED}ReplacingMergeTree
ORDER BY code;

-- old_code keeps the code an organisation had before a reorganisation ('' if none);
-- version orders the rows of one code, the highest wins.
CREATE TABLE IF NOT EXISTS organisations ${ON_CLUSTER} (
    code String,
    old_code String,
    name String,
    type Enum8('local_authority' = 1, 'joint_return' = 2, 'university' = 3, 'trust' = 4,
               'voluntary' = 5, 'private' = 6, 'other' = 7),
    region_code String,
    updated_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY code;
