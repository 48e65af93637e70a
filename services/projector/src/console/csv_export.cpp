#include "csv_export.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "call_filters.hpp"
#include "callstream/core/log.hpp"
#include "read_queries.hpp"

namespace callstream::projector::console {
namespace log = core::log;

void append_csv_field(std::string& out, std::string_view f) {
  bool formula =
      !f.empty() && (f[0] == '=' || f[0] == '@' || f[0] == '\t' || f[0] == '\r' ||
                     ((f[0] == '+' || f[0] == '-') && (f.size() == 1 || f[1] < '0' || f[1] > '9')));
  bool quote = formula || f.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += f;
    return;
  }
  out += '"';
  if (formula) out += '\'';
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

namespace {

constexpr const char* kHeader =
    "call_sid,started_local,direction,from,to,status,outcome,queue,agent,duration_seconds,"
    "answer_seconds,talk_seconds,recording_sid\r\n";
constexpr int kFetchRows = 2000;

// The export's cursor, read one FETCH per piece the server asks for, on the export's thread.
class Export {
 public:
  Export(pg::ConnectionSettings db, CallFilters filters)
      : db_settings_(std::move(db)), filters_(std::move(filters)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Export() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void ask(http::NextChunk next) {
    {
      std::lock_guard lock(mutex_);
      asked_ = std::move(next);
    }
    wake_.notify_all();
  }

 private:
  http::NextChunk wait_for_ask() {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return stop_ || asked_; });
    return stop_ ? nullptr : std::exchange(asked_, nullptr);
  }

  void run() {
    auto next = wait_for_ask();
    if (!next) return;
    try {
      pg::Connection db(db_settings_);
      pg::Transaction tx(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      db.exec("console_csv_cursor",
              (std::string("DECLARE export NO SCROLL CURSOR FOR ") + sql::kCallsCsv).c_str(),
              filters_.params());
      next(std::string(kHeader));
      while ((next = wait_for_ask())) {
        auto rows = db.exec("FETCH " + std::to_string(kFetchRows) + " FROM export");
        if (rows.rows() == 0) return next(std::nullopt);
        next(records(rows));
      }
    } catch (const pg::PgError& e) {
      log::error("console CSV export failed", {{"error", e.what()}});
      if (next) next(std::string(http::kAbortStream));  // the client sees the body is incomplete
    }
  }

  static std::string records(const pg::Result& rows) {
    std::string out;
    out.reserve(static_cast<size_t>(rows.rows()) * 160);
    for (int i = 0; i < rows.rows(); ++i) {
      for (int c = 0; c < rows.columns(); ++c) {
        if (c) out += ',';
        if (!rows.is_null(i, c)) append_csv_field(out, rows.get(i, c));
      }
      out += "\r\n";
    }
    return out;
  }

  pg::ConnectionSettings db_settings_;
  CallFilters filters_;
  std::mutex mutex_;
  std::condition_variable wake_;
  http::NextChunk asked_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

http::Response get_calls_csv(ApiCall& call, const pg::ConnectionSettings& db) {
  auto filters = parse_call_filters(call.query, call.only_agent());
  if (!filters) return http::error_response(422, "invalid_filter", filters.error().message);
  filters->limit.reset();
  filters->before_us.reset();
  filters->before_sid.reset();
  auto exporting = std::make_shared<Export>(db, *filters);
  http::Response r{200, "text/csv; charset=utf-8", "", {}, {}};
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"calls.csv\"");
  r.stream = [exporting](http::NextChunk next) { exporting->ask(std::move(next)); };
  return r;
}

}  // namespace callstream::projector::console
