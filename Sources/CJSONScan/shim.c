// CJSONScan is header-only (static inline functions in include/CJSONScan.h); SwiftPM builds a C
// target from at least one source file.
#include "CJSONScan.h"
