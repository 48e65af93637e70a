#include <catch2/catch.hpp>

#include "callstream/core/metrics.hpp"

using namespace callstream::core;

TEST_CASE("registry renders Prometheus text with labels and histograms", "[metrics]") {
  Registry r;
  r.counter("requests_total", "Requests", {{"route", "/call_status"}, {"status", "204"}}).inc(3);
  r.counter("requests_total", "Requests", {{"route", "/call_status"}, {"status", "204"}}).inc();
  r.gauge("depth", "Depth").set(-2);
  auto& h = r.histogram("latency_seconds", "Latency", {0.01, 0.1});
  h.observe(0.005);
  h.observe(0.05);
  h.observe(5);
  r.gauge_callback("lag", "Lag", [] { return 7.0; });
  std::string text = r.render();
  CHECK(text.find("# TYPE requests_total "
                  "counter\nrequests_total{route=\"/call_status\",status=\"204\"} 4\n") !=
        std::string::npos);
  CHECK(text.find("depth -2\n") != std::string::npos);
  CHECK(text.find("latency_seconds_bucket{le=\"0.01\"} 1\n") != std::string::npos);
  CHECK(text.find("latency_seconds_bucket{le=\"0.10000000000000001\"} 2\n") != std::string::npos);
  CHECK(text.find("latency_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("latency_seconds_count 3\n") != std::string::npos);
  CHECK(text.find("lag 7\n") != std::string::npos);
}

TEST_CASE("a metric name cannot change type", "[metrics]") {
  Registry r;
  r.counter("x", "x");
  CHECK_THROWS(r.gauge("x", "x"));
}
