// Boost.JSON's implementation, compiled once for the whole binary (the library
// is header-only in Debian's Boost 1.81; this is its documented "src.hpp" mode).
//
// Why Boost.JSON for the embedded API server: it stores mutable documents
// (create/update/patch rewrite metadata in place) with value semantics, and
// comes with the Boost the HTTP server already uses. The extender's hot path
// keeps simdjson, which only reads.
#include "boost/json/src.hpp"
