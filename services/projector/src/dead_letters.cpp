#include "dead_letters.hpp"

#include <charconv>

namespace callstream::projector {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

int64_t to_int(std::string_view s) {
  int64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

}  // namespace

std::set<std::string> parked_keys(pg::Connection& c, const std::string& topic,
                                  const std::set<std::string>& keys) {
  std::set<std::string> out;
  if (keys.empty()) return out;
  pg::ArrayLiteral list;
  for (const auto& k : keys) list.add(k);
  std::string arr = list.str();
  auto r = c.exec("parked_keys",
                  "SELECT DISTINCT message_key FROM dead_letters WHERE resolved_at IS NULL "
                  "AND kafka_topic = $1 AND message_key = ANY($2::text[])",
                  {topic, arr});
  for (int i = 0; i < r.rows(); ++i) out.emplace(r.get(i, 0));
  return out;
}

void record_dead_letters(pg::Connection& c, const std::vector<DeadLetter>& letters) {
  for (const auto& l : letters) {
    std::string partition = std::to_string(l.partition), offset = std::to_string(l.offset);
    std::string value = hex(l.value);
    c.exec("record_dead_letter",
           "INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset, message_key, "
           "event_id, kind, error, value) VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, $7, "
           "decode($8, 'hex')) ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING",
           {l.topic, partition, offset, l.key, l.event_id, l.kind, l.error, value});
  }
}

int64_t dlq_list(pg::Connection& c, std::ostream& out) {
  auto r = c.exec("dlq_list",
                  "SELECT id, kafka_topic, kafka_partition, kafka_offset, message_key, kind, "
                  "to_char(dead_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), coalesce(event_id, ''), error "
                  "FROM dead_letters WHERE resolved_at IS NULL ORDER BY id",
                  {});
  out << "id\ttopic/partition@offset\tkey\tkind\tdead_at\tevent_id\terror\n";
  for (int i = 0; i < r.rows(); ++i)
    out << r.get(i, 0) << '\t' << r.get(i, 1) << '/' << r.get(i, 2) << '@' << r.get(i, 3) << '\t'
        << r.get(i, 4) << '\t' << r.get(i, 5) << '\t' << r.get(i, 6) << '\t' << r.get(i, 7) << '\t'
        << r.get(i, 8) << '\n';
  out << r.rows() << " open dead letter(s)\n";
  return r.rows();
}

bool dlq_discard(pg::Connection& c, int64_t id, std::ostream& out) {
  std::string sid = std::to_string(id);
  auto r = c.exec("dlq_discard",
                  "UPDATE dead_letters SET resolved_at = now(), resolution = 'discarded' "
                  "WHERE id = $1 AND resolved_at IS NULL RETURNING message_key",
                  {sid});
  if (r.rows() == 0) {
    out << "no open dead letter " << id << "\n";
    return false;
  }
  out << "discarded dead letter " << id << " (key " << r.get(0, 0)
      << "); run 'dlq redrive' to apply the events parked behind it\n";
  return true;
}

int64_t dlq_redrive(pg::Connection& c, const TopicProjections& projections,
                    const std::optional<std::string>& key, std::ostream& out) {
  auto keys = c.exec("dlq_keys",
                     "SELECT DISTINCT kafka_topic, message_key FROM dead_letters "
                     "WHERE resolved_at IS NULL AND ($1::text IS NULL OR message_key = $1) "
                     "ORDER BY 1, 2",
                     {key ? pg::Param(*key) : pg::Param()});
  int64_t applied_total = 0;
  for (int k = 0; k < keys.rows(); ++k) {
    std::string topic(keys.get(k, 0)), message_key(keys.get(k, 1));
    auto kind = projections.kind(topic);
    if (!kind) {
      out << topic << " " << message_key << ": not a topic this projector applies; left open\n";
      continue;
    }
    pg::Transaction tx(c);
    auto letters = c.exec("dlq_letters",
                          "SELECT id, kafka_partition, kafka_offset, value FROM dead_letters "
                          "WHERE resolved_at IS NULL AND kafka_topic = $1 AND message_key = $2 "
                          "ORDER BY kafka_partition, kafka_offset FOR UPDATE",
                          {topic, message_key});
    TopicRows rows;
    std::vector<std::string> ids;
    std::string stuck;
    for (int i = 0; i < letters.rows(); ++i) {
      std::string error;
      auto bytes = letters.get(i, 3);  // bytea in hex output: \x...
      std::string value;
      for (size_t p = 2; p + 1 < bytes.size(); p += 2)
        value += static_cast<char>(std::stoi(std::string(bytes.substr(p, 2)), nullptr, 16));
      if (!projections.decode(*kind, value, topic, static_cast<int32_t>(to_int(letters.get(i, 1))),
                              to_int(letters.get(i, 2)), rows, &error)) {
        stuck = std::string(letters.get(i, 0));
        c.exec("dlq_still_failing",
               "UPDATE dead_letters SET kind = 'poison', error = $2 WHERE id = $1", {stuck, error});
        out << topic << " " << message_key << ": letter " << stuck << " still fails (" << error
            << "); it and what follows stay parked\n";
        break;
      }
      ids.emplace_back(letters.get(i, 0));
    }
    int64_t fresh = projections.apply(*kind, c, rows);
    pg::ArrayLiteral done;
    for (const auto& id : ids) done.add(id);
    std::string arr = done.str();
    c.exec("dlq_redriven",
           "UPDATE dead_letters SET resolved_at = now(), resolution = 'redriven' "
           "WHERE id = ANY($1::bigint[])",
           {arr});
    tx.commit();
    applied_total += static_cast<int64_t>(ids.size());
    out << topic << " " << message_key << ": " << ids.size() << " letter(s) re-driven, " << fresh
        << " new event(s) applied\n";
  }
  return applied_total;
}

}  // namespace callstream::projector
