// Package pipeline holds statgate's vocabulary: civil dates, table schemas,
// rows and their content hashes, partition versions, task states, error kinds
// and the Store seam that the sqlite and postgres packages implement.
//
// Nothing here performs I/O. Every other package speaks in these types.
package pipeline
