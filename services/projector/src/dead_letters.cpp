#include "dead_letters.hpp"

#include "callstream/core/progress.hpp"

#include <algorithm>

namespace callstream::projector {

std::string from_bytea_hex(std::string_view text) {
  return pg::unhex(text.substr(std::min<size_t>(2, text.size())));  // after its \x
}

namespace {

using pg::hex;

constexpr const char* kLetterLockId = "7431000013";
constexpr const char* kLockLetters = "SELECT pg_try_advisory_lock($1::bigint) AS locked";
constexpr const char* kLockLettersShared =
    "SELECT pg_try_advisory_lock_shared($1::bigint) AS locked";

constexpr const char* kOpenLetters = R"sql(
SELECT kafka_topic, kafka_partition, kafka_offset, kind, value
FROM dead_letters WHERE resolved_at IS NULL AND consumer = 'projector' ORDER BY id)sql";

constexpr const char* kListOpen = R"sql(
SELECT id, consumer, kafka_topic, kafka_partition, kafka_offset, message_key, kind,
       to_char(dead_at, 'YYYY-MM-DD"T"HH24:MI:SSOF') AS dead_at, coalesce(event_id, '') AS event_id,
       error
FROM dead_letters WHERE resolved_at IS NULL ORDER BY id)sql";

constexpr const char* kDiscard = R"sql(
UPDATE dead_letters SET resolved_at = now(), resolution = 'discarded'
WHERE id = $1 AND resolved_at IS NULL RETURNING message_key, consumer)sql";

// The parked keys (or just $1), each with its topic; the archiver redrives its own.
constexpr const char* kParkedKeys = R"sql(
SELECT DISTINCT kafka_topic, message_key FROM dead_letters
WHERE resolved_at IS NULL AND consumer = 'projector' AND ($1::text IS NULL OR message_key = $1)
ORDER BY kafka_topic, message_key)sql";

constexpr const char* kLettersOfKey = R"sql(
SELECT id, kafka_partition, kafka_offset, value FROM dead_letters
WHERE resolved_at IS NULL AND consumer = 'projector' AND kafka_topic = $1 AND message_key = $2
ORDER BY kafka_partition, kafka_offset FOR UPDATE)sql";

constexpr const char* kStillFailing =
    "UPDATE dead_letters SET kind = 'poison', error = $2 WHERE id = $1";

constexpr const char* kRedriven = R"sql(
UPDATE dead_letters SET resolved_at = now(), resolution = 'redriven'
WHERE id = ANY($1::bigint[]))sql";

}  // namespace

bool try_lock_letters(pg::Connection& c, bool exclusive) {
  auto r = exclusive ? c.exec("lock_letters", kLockLetters, {kLetterLockId})
                     : c.exec("lock_letters_shared", kLockLettersShared, {kLetterLockId});
  return r.get(0, "locked") == "t";
}

OpenLetters open_letters(pg::Connection& c, const TopicProjections& projections) {
  auto r = c.exec("open_letters", kOpenLetters, {});
  OpenLetters out;
  out.open = r.rows();
  for (int i = 0; i < r.rows(); ++i) {
    auto kind = projections.kind(r.get(i, "kafka_topic"));
    if (!kind || r.get(i, "kind") != "poison") continue;
    TopicRows rows;
    if (projections.decode(*kind, from_bytea_hex(r.get(i, "value")),
                           std::string(r.get(i, "kafka_topic")),
                           static_cast<int32_t>(r.get_int(i, "kafka_partition")),
                           r.get_int(i, "kafka_offset"), rows))
      ++out.decode_now;
  }
  return out;
}

PartitionLetters PartitionLetters::load(pg::Connection& c, const std::string& topic,
                                        int32_t partition, int64_t first, int64_t last,
                                        const std::set<std::string>& keys) {
  static constexpr const char* kPartitionLetters = R"sql(
    SELECT kafka_offset, message_key, resolved_at IS NULL AS is_open, resolution
    FROM dead_letters
    WHERE consumer = 'projector' AND kafka_topic = $1 AND kafka_partition = $2
      AND (kafka_offset BETWEEN $3 AND $4
           OR (resolved_at IS NULL AND kafka_offset < $4 AND message_key = ANY($5::text[]))))sql";
  pg::ArrayLiteral list;
  for (const auto& k : keys) list.add(k);
  std::string p = std::to_string(partition), lo = std::to_string(first), hi = std::to_string(last),
              arr = list.str();
  auto r = c.exec_prepared("partition_letters", kPartitionLetters, {topic, p, lo, hi, arr});
  PartitionLetters out;
  for (int i = 0; i < r.rows(); ++i) {
    int64_t offset = r.get_int(i, "kafka_offset");
    bool open = r.get(i, "is_open") == "t";
    if (open) out.open(std::string(r.get(i, "message_key")), offset);
    if (offset >= first)
      out.at_[offset] = open                                    ? State::open
                        : r.get(i, "resolution") == "discarded" ? State::discarded
                                                                : State::redriven;
  }
  return out;
}

PartitionLetters::State PartitionLetters::at(int64_t offset) const {
  auto it = at_.find(offset);
  return it == at_.end() ? State::none : it->second;
}

bool PartitionLetters::parks(const std::string& key, int64_t offset) const {
  auto it = first_open_.find(key);
  return it != first_open_.end() && it->second < offset;
}

void PartitionLetters::open(const std::string& key, int64_t offset) {
  if (key.empty()) return;  // a message without a key parks nothing
  auto [it, inserted] = first_open_.emplace(key, offset);
  if (!inserted && offset < it->second) it->second = offset;
}

void record_dead_letters(pg::Connection& c, const std::vector<DeadLetter>& letters) {
  static constexpr const char* kRecordDeadLetter = R"sql(
    INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset, message_key, event_id,
                              kind, error, value, consumer)
    VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, decode($8, 'hex'), $9)
    ON CONFLICT (consumer, kafka_topic, kafka_partition, kafka_offset) DO UPDATE
      SET kind = EXCLUDED.kind, error = EXCLUDED.error, dead_at = now(),
          resolved_at = NULL, resolution = NULL
      WHERE dead_letters.resolution = 'redriven')sql";
  for (const auto& l : letters) {
    std::string partition = std::to_string(l.partition), offset = std::to_string(l.offset);
    std::string value = hex(l.value);
    c.exec("record_dead_letter", kRecordDeadLetter,
           {l.topic, partition, offset, l.key, l.event_id, l.kind, l.error, value, l.consumer});
  }
}

int64_t dlq_list(pg::Connection& c, std::ostream& out) {
  auto r = c.exec("dlq_list", kListOpen, {});
  out << "id\ttopic/partition@offset\tkey\tkind\tdead_at\tevent_id\terror\tconsumer\n";
  for (int i = 0; i < r.rows(); ++i)
    out << r.get(i, "id") << '\t' << r.get(i, "kafka_topic") << '/' << r.get(i, "kafka_partition")
        << '@' << r.get(i, "kafka_offset") << '\t' << r.get(i, "message_key") << '\t'
        << r.get(i, "kind") << '\t' << r.get(i, "dead_at") << '\t' << r.get(i, "event_id") << '\t'
        << r.get(i, "error") << '\t' << r.get(i, "consumer") << '\n';
  out << r.rows() << " open dead letter(s)\n";
  return r.rows();
}

bool dlq_discard(pg::Connection& c, int64_t id, std::ostream& out) {
  std::string sid = std::to_string(id);
  auto r = c.exec("dlq_discard", kDiscard, {sid});
  if (r.rows() == 0) {
    out << "no open dead letter " << id << "\n";
    return false;
  }
  out << "discarded dead letter " << id << " (key " << r.get(0, "message_key") << ")";
  if (r.get(0, "consumer") == "projector")
    out << "; run 'dlq redrive' to apply the events parked behind it";
  out << "\n";
  return true;
}

int64_t dlq_redrive(pg::Connection& c, const TopicProjections& projections,
                    const std::optional<std::string>& key, std::ostream& out) {
  auto keys = c.exec("dlq_keys", kParkedKeys, {key ? pg::Param(*key) : pg::Param()});
  int64_t applied_total = 0, fresh_total = 0;
  core::Progress progress("dlq redrive", "keys", keys.rows());
  for (int k = 0; k < keys.rows(); ++k) {
    progress.update(k);
    std::string topic(keys.get(k, "kafka_topic")), message_key(keys.get(k, "message_key"));
    auto kind = projections.kind(topic);
    if (!kind) {
      out << topic << " " << message_key << ": not a topic this projector applies; left open\n";
      continue;
    }
    pg::Transaction tx(c);
    auto letters = c.exec("dlq_letters", kLettersOfKey, {topic, message_key});
    TopicRows rows;
    std::vector<std::string> ids;
    std::string stuck;
    for (int i = 0; i < letters.rows(); ++i) {
      std::string value = from_bytea_hex(letters.get(i, "value"));
      auto decoded = projections.decode(*kind, value, topic,
                                        static_cast<int32_t>(letters.get_int(i, "kafka_partition")),
                                        letters.get_int(i, "kafka_offset"), rows);
      if (!decoded) {
        const std::string& error = decoded.error().message;
        stuck = std::string(letters.get(i, "id"));
        c.exec("dlq_still_failing", kStillFailing, {stuck, error});
        out << topic << " " << message_key << ": letter " << stuck << " still fails (" << error
            << "); it and what follows stay parked\n";
        break;
      }
      ids.emplace_back(letters.get(i, "id"));
    }
    int64_t fresh = projections.apply(c, rows);
    pg::ArrayLiteral done;
    for (const auto& id : ids) done.add(id);
    std::string arr = done.str();
    c.exec("dlq_redriven", kRedriven, {arr});
    tx.commit();
    applied_total += static_cast<int64_t>(ids.size());
    fresh_total += fresh;
  }
  progress.update(keys.rows());
  progress.finish();
  out << applied_total << " letter(s) re-driven over " << keys.rows() << " key(s), " << fresh_total
      << " new event(s) applied\n";
  return applied_total;
}

}  // namespace callstream::projector
