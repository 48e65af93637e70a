#pragma once
// Partition offsets kept in PostgreSQL, next to the read models they account for.
#include <cstdint>
#include <string>

#include "callstream/pg/connection.hpp"

namespace callstream::projector {

class OffsetStore {
 public:
  static constexpr int64_t kNone = -1;  // nothing applied yet: start from the beginning

  explicit OffsetStore(pg::Connection& c) : c_(c) {}

  int64_t load(const std::string& topic, int32_t partition);
  // Moves a partition from `expected` to `next` inside the caller's transaction. False when the
  // stored value is not `expected`: another instance got there first (this one is a zombie).
  bool advance(const std::string& topic, int32_t partition, int64_t expected, int64_t next);

 private:
  pg::Connection& c_;
};

}  // namespace callstream::projector
