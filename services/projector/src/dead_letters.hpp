#pragma once
// Sequenced dead letters in PostgreSQL. A message that cannot be applied is kept as a "poison"
// letter and parks its key; the key's later messages are kept behind it as "parked" letters, in
// order, so no event of that key is applied out of order or skipped. The operator lists them,
// discards a letter, and re-drives a key once the projector can apply it.
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "callstream/pg/connection.hpp"
#include "topic_projections.hpp"

namespace callstream::projector {

// A bytea column in PostgreSQL's hex output (\x...) back to its bytes (a letter's value).
std::string from_bytea_hex(std::string_view text);

struct DeadLetter {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string event_id;
  std::string kind;  // poison | parked
  std::string error;
  std::string value;
  std::string consumer = "projector";  // or "archive": whose letter it is (it parks only its own)
};

// What the dead letters say about the messages of one partition batch, so that a replay (a
// rebuild, a restart, a seek back) takes the decisions the live projector and the operator took:
// the letter kept at each offset, and per key the first open letter, which parks every later
// message of that key in the partition. A key is parked only behind its letter, never before it.
class PartitionLetters {
 public:
  enum class State { none, open, discarded, redriven };

  // The letters of `topic`/`partition` at offsets first..last, and the open letters of `keys`
  // before `last`.
  static PartitionLetters load(pg::Connection& c, const std::string& topic, int32_t partition,
                               int64_t first, int64_t last, const std::set<std::string>& keys);

  State at(int64_t offset) const;
  // True when `key` has an open letter at an offset below `offset`.
  bool parks(const std::string& key, int64_t offset) const;
  // A letter of `key` is open at `offset` from now on.
  void open(const std::string& key, int64_t offset);

 private:
  std::map<int64_t, State> at_;
  std::map<std::string, int64_t> first_open_;
};

// Records letters in the caller's transaction. Coordinates already kept are left as they are,
// except a letter once redriven that fails again: it is open again, with the new error.
void record_dead_letters(pg::Connection& c, const std::vector<DeadLetter>& letters);

// The operator's decisions are frozen while a rebuild runs: a redrive applied to the live tables
// after the rebuild passed its offset would be missing from the tables swapped in. A rebuild holds
// this lock exclusively from start to swap; `dlq discard` and `dlq redrive` hold it shared. Both
// are session locks: a killed process releases its lock with its connection. False when taken.
bool try_lock_letters(pg::Connection& c, bool exclusive);

struct OpenLetters {
  int64_t open = 0;        // letters still open (poison and parked)
  int64_t decode_now = 0;  // open poison letters that this version of the code can apply
};
// What a rebuild leaves for the operator: it holds open letters as they are.
OpenLetters open_letters(pg::Connection& c, const TopicProjections& projections);

// `callstream-projector dlq list`: open letters, oldest first. Returns how many.
int64_t dlq_list(pg::Connection& c, std::ostream& out);
// `callstream-projector dlq discard ID`: drops one open letter. False when there is none.
bool dlq_discard(pg::Connection& c, int64_t id, std::ostream& out);
// `callstream-projector dlq redrive [KEY]`: applies the open letters of each parked key (or of
// KEY) in order, stopping a key at its first letter that still fails. Returns letters applied.
int64_t dlq_redrive(pg::Connection& c, const TopicProjections& projections,
                    const std::optional<std::string>& key, std::ostream& out);

}  // namespace callstream::projector
