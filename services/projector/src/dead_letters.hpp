#pragma once
// Sequenced dead letters in PostgreSQL. A message that cannot be applied is kept as a "poison"
// letter and parks its key; the key's later messages are kept behind it as "parked" letters, in
// order, so no event of that key is applied out of order or skipped. The operator lists them,
// discards a letter, and re-drives a key once the projector can apply it.
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "callstream/pg/connection.hpp"
#include "topic_projections.hpp"

namespace callstream::projector {

struct DeadLetter {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string event_id;
  std::string kind;  // poison | parked
  std::string error;
  std::string value;
};

// The keys among `keys` that have an open letter on `topic`.
std::set<std::string> parked_keys(pg::Connection& c, const std::string& topic,
                                  const std::set<std::string>& keys);
// Records letters in the caller's transaction (a repeat of the same coordinates is a no-op).
void record_dead_letters(pg::Connection& c, const std::vector<DeadLetter>& letters);

// `callstream-projector dlq list`: open letters, oldest first. Returns how many.
int64_t dlq_list(pg::Connection& c, std::ostream& out);
// `callstream-projector dlq discard ID`: drops one open letter. False when there is none.
bool dlq_discard(pg::Connection& c, int64_t id, std::ostream& out);
// `callstream-projector dlq redrive [KEY]`: applies the open letters of each parked key (or of
// KEY) in order, stopping a key at its first letter that still fails. Returns letters applied.
int64_t dlq_redrive(pg::Connection& c, const TopicProjections& projections,
                    const std::optional<std::string>& key, std::ostream& out);

}  // namespace callstream::projector
