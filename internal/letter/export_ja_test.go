package letter

// FontJPForTest exposes the embedded Japanese letter font, gzipped, to the tests.
var FontJPForTest = fontJPGz
