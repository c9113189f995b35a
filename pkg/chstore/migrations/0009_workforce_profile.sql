-- The workforce profile (issue #15): per employer, reporting year and role level, the headcount
-- and, per dimension (ethnic group, sex, age band, disability), the headcount of each group, not
-- known included; a dimension not reported is NULL in every one of its columns. Small counts are
-- kept as sent: the benchmarks withhold them when they publish. A newer row for the same employer,
-- year and level replaces the older one, and a redelivered chunk replaces itself (versioned by the
-- time the API received its submission); read with FINAL.
CREATE TABLE IF NOT EXISTS workforce_profile ${ON_CLUSTER} (
    org_code String,
    year UInt16,
    level Enum8('case_holder' = 1, 'senior_practitioner' = 2, 'first_line_manager' = 3, 'middle_manager' = 4, 'senior_manager' = 5),
    headcount UInt32,
    ethnicity_asian Nullable(UInt32),
    ethnicity_black Nullable(UInt32),
    ethnicity_mixed Nullable(UInt32),
    ethnicity_white Nullable(UInt32),
    ethnicity_other Nullable(UInt32),
    ethnicity_not_known Nullable(UInt32),
    sex_female Nullable(UInt32),
    sex_male Nullable(UInt32),
    sex_not_known Nullable(UInt32),
    age_under_30 Nullable(UInt32),
    age_30_to_39 Nullable(UInt32),
    age_40_to_49 Nullable(UInt32),
    age_50_to_59 Nullable(UInt32),
    age_60_and_over Nullable(UInt32),
    age_not_known Nullable(UInt32),
    disability_yes Nullable(UInt32),
    disability_no Nullable(UInt32),
    disability_not_known Nullable(UInt32),
    submission_id String,
    row_number UInt32,
    submitted_by String,
    received_at DateTime,
    version UInt64
) ENGINE = ${REPLICATED}ReplacingMergeTree(version)
ORDER BY (org_code, year, level);
