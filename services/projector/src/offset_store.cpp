#include "offset_store.hpp"

namespace callstream::projector {
namespace {

constexpr const char* kLoadOffset =
    "SELECT next_offset FROM projector_offsets WHERE topic = $1 AND partition = $2";

// A partition seen for the first time; a concurrent first insert makes this one a no-op.
constexpr const char* kInsertOffset = R"sql(
INSERT INTO projector_offsets (topic, partition, next_offset) VALUES ($1, $2, $3)
ON CONFLICT (topic, partition) DO NOTHING)sql";

constexpr const char* kAdvanceExisting = R"sql(
UPDATE projector_offsets SET next_offset = $4, updated_at = now()
WHERE topic = $1 AND partition = $2 AND next_offset = $3)sql";

}  // namespace

int64_t OffsetStore::load(const std::string& topic, int32_t partition) {
  std::string p = std::to_string(partition);
  auto r = c_.exec("load_offset", kLoadOffset, {topic, p});
  return r.rows() == 0 ? kNone : r.get_int(0, "next_offset");
}

bool OffsetStore::advance(const std::string& topic, int32_t partition, int64_t expected,
                          int64_t next) {
  std::string p = std::to_string(partition), e = std::to_string(expected), n = std::to_string(next);
  if (expected == kNone)
    return c_.exec("insert_offset", kInsertOffset, {topic, p, n}).affected() == 1;
  return c_.exec_prepared("advance_offset", kAdvanceExisting, {topic, p, e, n}).affected() == 1;
}

}  // namespace callstream::projector
