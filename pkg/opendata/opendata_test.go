package opendata_test

import (
	"bytes"
	"testing"

	"github.com/partnership-hub/hub/pkg/measure"
	"github.com/partnership-hub/hub/pkg/opendata"
)

func TestTime(t *testing.T) {
	for _, tc := range []struct{ period, timePeriod, identifier string }{
		{"2024", "2024", "Reporting year"},
		{"2024-Q3", "2024", "Calendar year Q3"},
		{"2024/25", "202425", "Academic year"},
	} {
		t.Run(tc.period, func(t *testing.T) {
			tp, ti, err := opendata.Time(tc.period)
			if err != nil || tp != tc.timePeriod || ti != tc.identifier {
				t.Errorf("Time(%q) = %q, %q, %v; want %q, %q", tc.period, tp, ti, err, tc.timePeriod, tc.identifier)
			}
		})
	}
	if _, _, err := opendata.Time("24"); err == nil {
		t.Error("Time of a period that is none gave no error")
	}
}

func TestWrite(t *testing.T) {
	table := opendata.Table{
		Name: "workforce",
		Indicators: []opendata.Indicator{
			{Name: "inpost_fte", Label: "Social workers in post, FTE", Grouping: "Workforce", DP: 1},
			{Name: "vacancy_rate_fte", Label: "Vacancy rate (FTE)", Grouping: "Rates", Unit: "%", DP: 1},
		},
		Rows: []opendata.Row{
			{Period: "2024", Geography: opendata.Geography{Level: opendata.National}, Values: map[string]measure.Value{
				"inpost_fte": {Known: true, V: 33000.5}, "vacancy_rate_fte": opendata.Rounded(17.34, 1)}},
			{Period: "2024-Q1", Geography: opendata.Geography{Level: opendata.LocalAuthority, RegionCode: "E12000001", RegionName: "North East",
				NewLACode: "E06000001", OldLACode: "805", LAName: "=Hartlepool"}, Values: map[string]measure.Value{
				"inpost_fte": {Reason: measure.Confidential}}},
		},
	}
	var data, meta bytes.Buffer
	if err := table.WriteCSV(&data); err != nil {
		t.Fatal(err)
	}
	wantData := "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,new_la_code,old_la_code,la_name,inpost_fte,vacancy_rate_fte\r\n" +
		"2024,Reporting year,National,E92000001,England,,,,,,33000.5,17.3\r\n" +
		// A withheld figure is its symbol, one missing is x, and no cell is read as a formula.
		"2024,Calendar year Q1,Local authority,E92000001,England,E12000001,North East,E06000001,805,'=Hartlepool,c,x\r\n"
	if data.String() != wantData {
		t.Errorf("data\n%q\nwant\n%q", data.String(), wantData)
	}
	if err := table.WriteMeta(&meta); err != nil {
		t.Fatal(err)
	}
	wantMeta := "col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,filter_grouping_column\r\n" +
		"inpost_fte,Indicator,\"Social workers in post, FTE\",Workforce,,1,,\r\n" +
		"vacancy_rate_fte,Indicator,Vacancy rate (FTE),Rates,%,1,,\r\n"
	if meta.String() != wantMeta {
		t.Errorf("meta\n%q\nwant\n%q", meta.String(), wantMeta)
	}
}
