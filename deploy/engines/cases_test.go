package engines

import (
	"maps"
	"time"
)

// parityCase says how one of the hub's statements is run on both engines.
type parityCase struct {
	// Runs holds the binds of each run (one run of none for a statement without binds). Every
	// run must return at least one row on the fixture, unless Empty says it may not.
	Runs  [][]any
	Empty bool
	// Mutation: a statement that changes stored rows (ALTER … DELETE); after it, both engines'
	// tables are compared.
	Mutation bool
	// Migration: run by TestMigrations itself, on both engines (the bootstrap of the database
	// and of schema_migrations), which reads the statement from here.
	Migration bool
}

// none is the run of a statement without binds.
var none = [][]any{{}}

var (
	areas  = []string{"E12000001", "E12000007", "E13000001", "E92000001"}
	orgs   = []string{"E06000001", "E06000047", "E09000007"}
	from   = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	to     = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	refHex = "0123456789abcdef0123456789abcdef"
)

// cases holds a case for every query and mutation of the hub, by id (package path below the
// module, then the constant's name). TestEverySQLHasAParityCase fails for a statement without one.
var cases = map[string]parityCase{
	"pkg/chstore.createDatabaseSQL":         {Migration: true},
	"pkg/chstore.createSchemaMigrationsSQL": {Migration: true},
	"pkg/chstore.insertSchemaMigrationSQL":  {Migration: true},
	"pkg/chstore.appliedVersionsSQL":        {Runs: none},

	"pkg/reference.selectRegions":       {Runs: none},
	"pkg/reference.selectOrganisations": {Runs: none},

	"pkg/alliance.selectAlliances": {Runs: none},
	"pkg/alliance.selectKnown":     {Runs: [][]any{{[]string{"E06000001", "E99999999"}}, {[]string{}}}, Empty: true},

	"pkg/workforce.selectReturns":   {Runs: [][]any{{"E06000001", "", ""}, {"E06000001", "2024", "2024"}}},
	"pkg/workforce.selectPeriod":    {Runs: [][]any{{"2024"}, {"2025-Q1"}}},
	"pkg/workforce.selectPeriods":   {Runs: none},
	"pkg/workforce.selectFigures":   {Runs: [][]any{{[]string{"2024", "2025-Q1"}}, {[]string{"2024"}}, {[]string{}}}, Empty: true},
	"pkg/workforce.selectFiguresOf": {Runs: [][]any{{orgs, "2024"}, {[]string{}, "2024"}}, Empty: true},

	"pkg/placement.selectPlacements":  {Runs: [][]any{{"10007799", "", ""}, {"10007799", "2024/25", "2024/25"}}},
	"pkg/placement.selectHistory":     {Runs: [][]any{{"10007799", refHex}}},
	"pkg/placement.countOtherReports": {Runs: [][]any{{"10007799", "p2", []string{"2024/25"}}, {"10007799", "p2", []string{}}}},
	"pkg/placement.selectMovedFrom": {Runs: [][]any{{"10007799", "p2", "10007799", "p2", []string{"2024/25"}}, {"10007799", "p2", "10007799", "p2", []string{}},
		{"10007799", "none", "10007799", "none", []string{}}}, Empty: true},
	"pkg/placement.selectCapacity":  {Runs: [][]any{{"10007799", "", ""}, {"E06000001", "2024/25", "2024/25"}}},
	"pkg/placement.selectEducators": {Runs: [][]any{{"E06000001", "", ""}, {"E06000001", "2025", "2025"}}},

	// The figures each kind sums for the benchmarks, and the periods of its rows.
	"pkg/placement.selectPlacementFigures":  {Runs: [][]any{{"2024/25"}}},
	"pkg/placement.selectCapacityFigures":   {Runs: [][]any{{"2024/25"}}},
	"pkg/placement.selectCapacityFiguresOf": {Runs: [][]any{{orgs, "2024/25"}, {[]string{}, "2024/25"}}, Empty: true},
	"pkg/placement.selectEducatorFigures":   {Runs: [][]any{{"2025"}}},
	"pkg/placement.selectEducatorFiguresOf": {Runs: [][]any{{orgs, "2025"}, {[]string{}, "2025"}}, Empty: true},
	"pkg/placement.selectPlacementYears":    {Runs: none},
	"pkg/placement.selectCapacityYears":     {Runs: none},
	"pkg/placement.selectEducatorPeriods":   {Runs: none},
	"pkg/survey.selectBenchmarkFigures":     {Runs: [][]any{{uint16(2025)}}},
	"pkg/survey.selectBenchmarkFiguresOf":   {Runs: [][]any{{orgs, uint16(2025)}, {[]string{}, uint16(2025)}}, Empty: true},
	"pkg/survey.selectYears":                {Runs: none},
	"pkg/audit.selectBenchmarkFigures":      {Runs: [][]any{{uint16(2025)}}},
	"pkg/audit.selectBenchmarkFiguresOf":    {Runs: [][]any{{orgs, uint16(2025)}, {[]string{}, uint16(2025)}}, Empty: true},
	"pkg/audit.selectCycles":                {Runs: none},

	"pkg/survey.selectFigures": {Runs: [][]any{{uint16(2025), orgs}, {uint16(2025), []string{}}}, Empty: true},
	"pkg/audit.selectLatest":   {Runs: [][]any{{uint16(2025), orgs}, {uint16(2025), []string{}}}, Empty: true},

	"pkg/trail.selectEntries": {Runs: [][]any{
		{from, to, "", "", "", "", "", uint8(0), from, from, "", uint64(10)},
		{from, to, "E06000001", "E06000001", "E06000001", "refused", "refused", uint8(0), from, from, "", uint64(10)},
		{from, to, "", "", "", "", "", uint8(0), from, from, "", uint64(1)},
		// The next page after the newest record of 2 March.
		{from, to, "", "", "", "", "", uint8(1), time.Date(2025, 3, 2, 10, 0, 1, 0, time.UTC), time.Date(2025, 3, 2, 10, 0, 1, 0, time.UTC), "r2", uint64(10)},
	}},

	"pkg/benchmark.selectAreas":           {Runs: [][]any{{"2024", areas}, {"2024", []string{}}}, Empty: true},
	"pkg/benchmark.selectMembers":         {Runs: [][]any{{"2024", "E12000001"}, {"2024", "E92000001"}}},
	"pkg/benchmark.selectOrgValues":       {Runs: [][]any{{"2024", orgs}, {"2024", []string{}}}, Empty: true},
	"pkg/benchmark.selectPeriodValues":    {Runs: [][]any{{[]string{"2023", "2024"}}, {[]string{"2024"}}, {[]string{}}}, Empty: true},
	"pkg/benchmark.selectPeriodAreas":     {Runs: [][]any{{[]string{"2023", "2024"}}, {[]string{"2024"}}, {[]string{}}}, Empty: true},
	"pkg/benchmark.selectAreaSeries":      {Runs: [][]any{{"vacancy_rate", areas}, {"vacancy_rate", []string{}}}, Empty: true},
	"pkg/benchmark.selectOrgSeries":       {Runs: [][]any{{"vacancy_rate", "E06000001"}}},
	"pkg/benchmark.selectAreaPeriods":     {Runs: none},
	"pkg/benchmark.countProjectionInputs": {Runs: none},
	"pkg/benchmark.clearValues":           {Runs: [][]any{{"2023"}}, Mutation: true},
	"pkg/benchmark.clearAreas":            {Runs: [][]any{{"2023"}}, Mutation: true},
	"pkg/benchmark.selectWriteMark":       {Runs: [][]any{{"2024"}, {"2019"}}},

	"pkg/demand.selectDemand":        {Runs: [][]any{{"E06000001", "", ""}, {"E06000001", "2024", "2024"}}},
	"pkg/demand.selectDemandPeriods": {Runs: none},
	"pkg/demand.selectFigures":       {Runs: [][]any{{"2024"}, {"2025"}}},
	"pkg/demand.selectFiguresOf":     {Runs: [][]any{{orgs, "2024"}, {[]string{}, "2024"}}, Empty: true},

	"pkg/profile.selectProfiles":         {Runs: [][]any{{"E06000001", "", ""}, {"E06000001", "2025", "2025"}}},
	"pkg/profile.selectProfileFigures":   {Runs: [][]any{{uint16(2025)}}},
	"pkg/profile.selectProfileFiguresOf": {Runs: [][]any{{orgs, uint16(2025)}, {[]string{}, uint16(2025)}}, Empty: true},
	"pkg/profile.selectProfileYears":     {Runs: none},

	"pkg/projection.selectInputs":       {Runs: none},
	"pkg/projection.selectPeriodInputs": {Runs: [][]any{{[]string{"2023", "2024"}}, {[]string{"2024"}}, {[]string{}}}, Empty: true},
	"pkg/projection.clearInputs":        {Runs: [][]any{{"2023"}}, Mutation: true},
}

// row is one fixture row: column → value. Columns left out get the zero value of their type
// (NULL when Nullable); values are converted to the Go type clickhouse-go wants for the column.
type row map[string]any

// inserts holds the fixture, by the INSERT statement that writes it: each inner list is one
// insert (one part), so that two versions of a key in separate inserts make FINAL work.
var inserts = map[string][][]row{
	"pkg/reference.insertRegions": {{
		{"code": "E92000001", "name": "England", "level": "england"},
		{"code": "E12000001", "name": "North East", "level": "region", "parent_code": "E92000001"},
		{"code": "E12000007", "name": "London", "level": "region", "parent_code": "E92000001"},
		{"code": "E13000001", "name": "Inner London", "level": "subregion", "parent_code": "E12000007"},
	}},
	"pkg/reference.insertOrganisations": {
		{
			{"code": "E06000001", "old_code": "805", "name": "Hartlepool", "type": "local_authority", "region_code": "E12000001", "updated_at": "2025-01-01 00:00:00", "version": 1},
			{"code": "E06000047", "old_code": "840", "name": "County Durham", "type": "local_authority", "region_code": "E12000001", "updated_at": "2025-01-01 00:00:00", "version": 1},
			{"code": "E09000007", "old_code": "202", "name": "Camden", "type": "local_authority", "region_code": "E13000001", "updated_at": "2025-01-01 00:00:00", "version": 1},
			{"code": "10007799", "name": "Newcastle University", "type": "university", "region_code": "E12000001", "updated_at": "2025-01-01 00:00:00", "version": 1},
		},
		{{"code": "E06000047", "old_code": "840", "name": "Durham", "type": "local_authority", "region_code": "E12000001", "updated_at": "2025-02-01 00:00:00", "version": 2}},
	},
	"pkg/alliance.insertAlliance": {
		{{"id": "north-east", "name": "North East", "members": []string{"E06000001"}, "updated_at": "2025-01-01 00:00:00", "updated_by": "steward", "version": 1}},
		{{"id": "north-east", "name": "North East alliance", "members": []string{"E06000001", "E06000047"}, "updated_at": "2025-01-02 00:00:00", "updated_by": "steward", "version": 2},
			{"id": "gone", "name": "Gone", "members": []string{"E09000007"}, "updated_at": "2025-01-02 00:00:00", "updated_by": "steward", "deleted": 1, "version": 2}},
	},
	"pkg/workforce.insertReturns": {
		{
			workforceRow("E06000001", "2024", "2024-09-30", "s1", 1, row{"inpost_fte": 150.5, "vacancy_fte": 20.25, "agency_fte": 6.5, "cases": 1290.0, "leavers_fte_reason": "x"}),
			workforceRow("E06000047", "2024", "2024-09-30", "s1", 2, row{"inpost_fte": 410.0, "vacancy_fte": 35.0, "agency_fte": nil, "agency_fte_reason": "c"}),
			workforceRow("E06000001", "2025-Q1", "2024-12-31", "s1", 3, row{"inpost_fte": 148.0}),
		},
		// A newer return for Hartlepool 2024 replaces the first.
		{workforceRow("E06000001", "2024", "2024-09-30", "s2", 1, row{"inpost_fte": 151.0, "vacancy_fte": 0.1 + 0.2, "cases": 1300.0, "version": 2000})},
	},
	"pkg/placement.insertPlacements": {
		{placementRow("2024/25", "final", "passed", 100, ptr(uint16(98)), 1), placementRow("2024/25", "first", "ongoing", 70, nil, 1)},
		{placementRow("2024/25", "final", "passed", 100, ptr(uint16(100)), 2)},
	},
	"pkg/placement.insertHistory": {
		{placementRow("2024/25", "final", "planned", 100, nil, 1), placementRow("2024/25", "first", "ongoing", 70, nil, 1)},
		{placementRow("2024/25", "final", "passed", 100, ptr(uint16(100)), 2)},
	},
	"pkg/placement.insertCapacity": {{
		{"org_code": "10007799", "academic_year": "2024/25", "stage": "final", "requested": 40, "submission_id": "c1", "row_number": 2, "received_at": "2025-03-01 10:00:00", "version": 1},
		{"org_code": "E06000001", "academic_year": "2024/25", "stage": "final", "offered": 12, "confirmed": 10, "submission_id": "c2", "row_number": 2, "received_at": "2025-03-01 10:00:00", "version": 1},
		{"org_code": "E06000001", "academic_year": "2024/25", "stage": "first", "offered": 5, "submission_id": "c2", "row_number": 3, "received_at": "2025-03-01 10:00:00", "version": 1},
	}},
	"pkg/placement.insertEducators": {{
		{"org_code": "E06000001", "period": "2025", "period_end": "2025-09-30", "stage1": 4, "stage2": 6, "active": 8, "students_supported": 9, "submission_id": "e1", "row_number": 2, "received_at": "2025-03-01 10:00:00", "version": 1},
		{"org_code": "E06000047", "period": "2025", "period_end": "2025-09-30", "stage1": 2, "submission_id": "e1", "row_number": 3, "received_at": "2025-03-01 10:00:00", "version": 1},
	}},
	"pkg/survey.insertQuestions": {{
		{"question": "S2Q1", "standard": 2, "text": "My workload is safe"},
		{"question": "S8Q1", "standard": 8, "text": "Students are supported"},
	}},
	"pkg/survey.insertResults": {
		{
			surveyRow("E06000001", "S2Q1", "social_worker", 1, 2, 3, 10, 4),
			surveyRow("E06000001", "S8Q1", "manager", 0, 1, 1, 3, 2),
			surveyRow("E06000047", "S2Q1", "social_worker", 5, 5, 5, 5, 5),
		},
		{surveyRow("E06000001", "S2Q1", "social_worker", 1, 1, 3, 11, 4)},
	},
	"pkg/audit.insertStandards": {{{"standard": 2, "title": "Effective workforce planning"}, {"standard": 8, "title": "Partnerships"}}},
	"pkg/audit.insertVersions":  {{{"version": "2020", "first_cycle": 2020, "description": "first"}}},
	"pkg/audit.insertItems":     {{{"version": "2020", "item_id": "S2.1", "standard": 2, "title": "Plans"}, {"version": "2020", "item_id": "S8.1", "standard": 8, "title": "Placements"}}},
	"pkg/audit.insertItemMap":   {{{"from_version": "2020", "from_item": "S2.1", "to_version": "2026", "to_item": "S2.1a", "note": "split"}}},
	"pkg/audit.insertRatings": {
		{
			auditRow("E06000001", "S2.1", 2, "RED", "HIGH", "a1", 1, row{"action": "Recruit", "owner": "Head of service", "due": "2025-06-30"}),
			auditRow("E06000001", "S8.1", 8, "AMBER", "MEDIUM", "a1", 1, nil),
			auditRow("E06000047", "S2.1", 2, "GREEN", "LOW", "a2", 1, nil),
		},
		{auditRow("E06000001", "S2.1", 2, "GREEN", "LOW", "a3", 2, nil)},
	},
	"pkg/trail.insertEntries": {{
		trailRow("2025-03-02 10:00:00", "r1", "E06000001", 202, "allowed"),
		trailRow("2025-03-02 10:00:01", "r2", "E06000001", 403, "refused"),
		trailRow("2025-03-03 09:00:00", "r3", "E06000047", 200, "allowed"),
		trailRow("2025-05-01 00:00:00", "r4", "E06000001", 500, "failed"),
	}},
	"pkg/benchmark.insertValues": {
		// Period 2023 is cleared by the mutation cases; 2024 is computed three times: rows of the
		// second replace the first's, and the third writes one changed row and a tombstone.
		{benchmarkValue("2023", "vacancy_rate", "E06000001", 1, 10.0), benchmarkValue("2024", "vacancy_rate", "E06000001", 1, 12.0),
			benchmarkValue("2024", "vacancy_rate", "E06000047", 1, 8.0), benchmarkValue("2024", "caseload", "E06000047", 1, 20.0)},
		{benchmarkValue("2024", "vacancy_rate", "E06000001", 2, 11.8), benchmarkValue("2024", "vacancy_rate", "E06000047", 2, 7.9),
			benchmarkValue("2024", "caseload", "E06000001", 2, nil)},
		{benchmarkValue("2024", "vacancy_rate", "E06000001", 3, 11.9), tombstone(benchmarkValue("2024", "caseload", "E06000047", 3, nil))},
	},
	"pkg/demand.insertDemand": {
		{demandRow("E06000001", "2024", "children_in_need", 1200.0, "", 1), demandRow("E06000001", "2024", "looked_after", nil, "c", 1),
			demandRow("E06000047", "2024", "children_in_need", 3400.0, "", 1), demandRow("E06000001", "2025", "children_in_need", 1250.0, "", 1)},
		{demandRow("E06000001", "2024", "children_in_need", 1210.0, "", 2)},
	},
	"pkg/profile.insertProfiles": {
		{profileRow("E06000001", "case_holder", 90, 1), profileRow("E06000001", "senior_manager", 6, 1), profileRow("E06000047", "case_holder", 260, 1),
			profileRow("E06000001", "case_holder", 88, 1).with(row{"year": 2024})},
		// A newer row for Hartlepool's case holders replaces the first; disability not reported.
		{profileRow("E06000001", "case_holder", 92, 2).with(row{"disability_yes": nil, "disability_no": nil, "disability_not_known": nil})},
	},
	"pkg/projection.insertInputs": {
		{inputRow("2023", "E06000001", "inpost_fte", 140.0, 1), inputRow("2024", "E06000001", "inpost_fte", 150.0, 1), inputRow("2024", "E06000047", "inpost_fte", 400.0, 1)},
		{inputRow("2024", "E06000001", "inpost_fte", 151.0, 2), inputRow("2024", "E06000001", "leavers_fte", nil, 2),
			tombstone(inputRow("2024", "E06000047", "inpost_fte", nil, 2))},
	},
	"pkg/benchmark.insertWriteMarks": {
		// 2024 written twice, the second write under way; 2023 written once.
		{{"period": "2024", "mark": 3}, {"period": "2023", "mark": 3}},
		{{"period": "2024", "mark": 4}, {"period": "2023", "mark": 4}},
		{{"period": "2024", "mark": 7}},
	},
	"pkg/benchmark.insertAreas": {
		{benchmarkArea("2023", "vacancy_rate", "E12000001", 1, 9.0), benchmarkArea("2024", "vacancy_rate", "E12000001", 1, 9.5)},
		{benchmarkArea("2024", "vacancy_rate", "E12000001", 2, 9.4), benchmarkArea("2024", "vacancy_rate", "E92000001", 2, 15.2),
			benchmarkArea("2024", "caseload", "E92000001", 2, nil), benchmarkArea("2024", "caseload", "E12000001", 2, 20.0)},
		{tombstone(benchmarkArea("2024", "caseload", "E12000001", 3, nil))},
	},
}

func ptr[T any](v T) *T { return &v }

func workforceRow(org, period, end, submission string, n int, figures row) row {
	r := row{"org_code": org, "period": period, "period_end": end, "submission_id": submission, "row_number": n,
		"submitted_by": "council", "received_at": "2025-01-15 12:00:00", "version": 1000}
	for k, v := range figures {
		r[k] = v
	}
	return r
}

func placementRow(year, stage, outcome string, planned int, completed *uint16, version int) row {
	return row{"org_code": "10007799", "student_ref": refHex, "cohort": "2023/24", "stage": stage, "academic_year": year,
		"route": "undergraduate", "host_org": "E06000001", "setting": "la", "statutory_tasks": 1, "service_user_group": "children",
		"planned_days": planned, "completed_days": completed, "pe_stage": 2, "pe_location": "onsite", "outcome": outcome,
		"submission_id": "p" + string(rune('0'+version)), "row_number": 2, "submitted_by": "university",
		"received_at": "2025-03-01 10:00:00", "version": version}
}

func surveyRow(org, question, group string, sd, d, n, a, sa int) row {
	return row{"org_code": org, "year": 2025, "question": question, "standard": int(question[1] - '0'), "respondent_group": group,
		"strongly_disagree": sd, "disagree": d, "neutral": n, "agree": a, "strongly_agree": sa, "n": sd + d + n + a + sa,
		"submission_id": "v1", "row_number": 2, "submitted_by": "survey", "received_at": "2025-03-01 10:00:00", "version": sd + a}
}

func auditRow(org, item string, standard int, rating, priority, submission string, version int, extra row) row {
	r := row{"org_code": org, "cycle": 2025, "item_id": item, "framework_version": "2020", "standard": standard, "rating": rating,
		"evidence": "Evidence for " + item, "priority": priority, "submission_id": submission, "row_number": 2,
		"submitted_by": "council", "received_at": "2025-03-01 10:00:00", "version": version}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func trailRow(at, id, org string, status int, outcome string) row {
	return row{"at": at, "request_id": id, "subject": "sub-" + id, "client_id": "demo-council", "org": org,
		"roles": []string{"submitter"}, "method": "GET", "operation": "list-returns", "path": "/v1/workforce-returns",
		"target_org": org, "status": status, "outcome": outcome, "remote_addr": "127.0.0.1", "detail": ""}
}

func benchmarkValue(period, metric, org string, version int, value any) row {
	return row{"period": period, "metric": metric, "org_code": org, "org_name": org, "regions": []string{"E12000001", "E92000001"},
		"num": 10.0, "den": 100.0, "value": value, "reason": "", "sn_median": 9.5, "sn_count": 10, "respondents": 0,
		"withheld": "", "deleted": 0, "computed_at": "2025-03-01 10:00:00", "version": version}
}

// tombstone makes a benchmark or projection row the tombstone of its key: deleted, its other
// columns empty.
func tombstone(r row) row {
	for k, v := range r {
		switch k {
		case "period", "metric", "org_code", "region_code", "figure", "computed_at", "version":
		case "deleted":
			r[k] = 1
		default:
			switch v.(type) {
			case string:
				r[k] = ""
			case []string:
				r[k] = []string{}
			case float64:
				r[k] = 0.0
			case int:
				r[k] = 0
			default:
				r[k] = nil
			}
		}
	}
	return r
}

func benchmarkArea(period, metric, region string, version int, value any) row {
	return row{"period": period, "metric": metric, "region_code": region, "region_name": region, "level": "region",
		"num": 30.0, "den": 300.0, "value": value, "median": 10.0, "p25": 8.0, "p75": 12.0, "contributors": 12,
		"excluded": 1, "respondents": 0, "withheld": "", "deleted": 0, "computed_at": "2025-03-01 10:00:00", "version": version}
}

func demandRow(org, period, figure string, value any, reason string, version int) row {
	return row{"org_code": org, "period": period, "figure": figure, "value": value, "reason": reason, "submission_id": "d" + period,
		"row_number": 2, "submitted_by": "steward", "received_at": "2025-03-01 10:00:00", "version": version}
}

func inputRow(period, org, figure string, value any, version int) row {
	return row{"period": period, "org_code": org, "org_name": org, "regions": []string{"E12000001", "E92000001"}, "figure": figure,
		"value": value, "reason": "", "deleted": 0, "computed_at": "2025-03-01 10:00:00", "version": version}
}

// profileRow is one level's workforce profile of 2025, every dimension given: most White, most
// women, a few not known.
func profileRow(org, level string, headcount, version int) row {
	known := headcount - headcount/10
	return row{"org_code": org, "year": 2025, "level": level, "headcount": headcount,
		"ethnicity_asian": 2, "ethnicity_black": 1, "ethnicity_mixed": 1, "ethnicity_white": known - 5, "ethnicity_other": 1, "ethnicity_not_known": headcount - known,
		"sex_female": known, "sex_male": headcount - known, "sex_not_known": 0,
		"age_under_30": 1, "age_30_to_39": 2, "age_40_to_49": 1, "age_50_to_59": 1, "age_60_and_over": 1, "age_not_known": headcount - 6,
		"disability_yes": 1, "disability_no": known - 1, "disability_not_known": headcount - known,
		"submission_id": "w" + level, "row_number": 2, "submitted_by": "council", "received_at": "2025-10-01 10:00:00", "version": version}
}

// with returns a copy of r with the values of more.
func (r row) with(more row) row {
	out := maps.Clone(r)
	maps.Copy(out, more)
	return out
}
