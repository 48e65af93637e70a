#pragma once
// The operator API's keys (OPERATOR_API_KEYS): a request presents one as
// `Authorization: Bearer <key>` or `X-API-Key: <key>`; each is compared in constant time.
#include <string>
#include <vector>

#include "callstream/http/message.hpp"

namespace callstream::ingress {

class ApiKeys {
 public:
  explicit ApiKeys(std::vector<std::string> keys) : keys_(std::move(keys)) {}

  // No keys configured: the operator API is off.
  bool empty() const { return keys_.empty(); }
  bool accepts(const http::Request& request) const;

 private:
  std::vector<std::string> keys_;
};

}  // namespace callstream::ingress
