package letter

// NewCodeForTest exposes the code generator to the tests.
var NewCodeForTest = newCode
