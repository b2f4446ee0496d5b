package web

import "testing"

// A balance below zero draws a bar as long as its size, never a negative
// width (which browsers drop), and its label keeps the sign.
func TestAChartBarOfANegativeBalanceHasItsLengthAndItsSign(t *testing.T) {
	g := reportGrid{Chart: 1, Label: 0, Rows: [][]reportCell{
		{{Text: "Kumamoto"}, {Text: "-8", Num: true}},
		{{Text: "Lille"}, {Text: "4", Num: true}},
		{{Text: "Imperial"}, {Text: "0", Num: true}},
	}}
	ch := reportChartOf("Balance per agreement", g)
	want := []struct {
		w     int
		value string
	}{{360, "-8"}, {180, "4"}, {0, "0"}}
	for i, b := range ch.Bars {
		if b.W != want[i].w || b.Value != want[i].value {
			t.Errorf("bar %d (%s): width %d label %q, want %d %q", i, b.Label, b.W, b.Value, want[i].w, want[i].value)
		}
	}
}
