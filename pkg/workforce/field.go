package workforce

// FieldByName returns the figure with column name, and whether there is one.
func FieldByName(name string) (Field, bool) {
	f, ok := fieldIndex[name]
	return f, ok
}
