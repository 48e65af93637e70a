#pragma once
// Reading core::Result values in tests.
#include <string>

#include "callstream/core/result.hpp"

namespace callstream::test {

// The error message of a failed result; empty when it holds a value.
template <class R>
std::string error_of(const R& result) {
  return result ? std::string() : result.error().message;
}

// The problems of a failed configuration parse, one per line; empty when it succeeded.
template <class T>
std::string problems_of(const core::Result<T, core::Problems>& result) {
  std::string lines;
  if (!result)
    for (const auto& p : result.error()) lines += p + "\n";
  return lines;
}

}  // namespace callstream::test
