#include "schema_setup.hpp"

#include <string>
#include <utility>
#include <vector>

#include "callstream/pg/migrations.hpp"
#include "kpi_rollups.hpp"
#include "migration_files.hpp"

namespace callstream::projector {
namespace {

// The settings that changed (RETURNING names them): what each call's facts say depends on them.
constexpr const char* kWriteSettings = R"sql(
INSERT INTO callstream_settings AS s (key, value)
VALUES ('time_zone', $1), ('service_level_seconds', $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE s.value IS DISTINCT FROM EXCLUDED.value
RETURNING key)sql";

}  // namespace

int run_migrations(pg::Connection& c) {
  std::vector<std::pair<std::string, std::string>> files;
  for (auto path : migration_files::paths())
    files.emplace_back(std::string(path), std::string(*migration_files::file(path)));
  return pg::migrate(c, pg::migrations_from(files));
}

// One transaction: a setting never changes without the facts computed with it (a recompute that
// failed after the settings were written would not run again at the next start).
void write_settings(pg::Connection& c, const ProjectorConfig& config) {
  pg::Transaction tx(c);
  auto changed = c.exec("write_settings", kWriteSettings,
                        {config.time_zone, std::to_string(config.service_level_seconds)});
  if (changed.rows() > 0) recompute_all_kpis(c);
  tx.commit();
}

}  // namespace callstream::projector
