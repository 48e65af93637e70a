#include <catch2/catch.hpp>

#include <map>

#include "callstream/core/env.hpp"
#include "ingress_config.hpp"
#include "projector_config.hpp"

using namespace callstream;

namespace {
core::Env::Lookup lookup(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}
}  // namespace

TEST_CASE("ingress config lists every problem at once, naming the variable", "[config]") {
  try {
    ingress::IngressConfig::from_env(
        lookup({{"TWILIO_ACCOUNT_SID", "XY1"}, {"HTTP_PORT", "99999"}, {"LOG_LEVEL", "loud"}}));
    FAIL("expected a ConfigError");
  } catch (const core::ConfigError& e) {
    std::string m = e.what();
    CHECK(m.find("TWILIO_ACCOUNT_SID must be 34 characters") != std::string::npos);
    CHECK(m.find("TWILIO_AUTH_TOKEN is required") != std::string::npos);
    CHECK(m.find("BASE_URL is required") != std::string::npos);
    CHECK(m.find("KAFKA_BROKERS is required") != std::string::npos);
    CHECK(m.find("HTTP_PORT must be between 0 and 65535, got 99999") != std::string::npos);
    CHECK(m.find("LOG_LEVEL must be") != std::string::npos);
  }
}

TEST_CASE("ingress config accepts a complete environment and applies defaults", "[config]") {
  auto c =
      ingress::IngressConfig::from_env(lookup({{"TWILIO_ACCOUNT_SID", "AC" + std::string(32, 'a')},
                                               {"TWILIO_AUTH_TOKEN", "t"},
                                               {"BASE_URL", "https://calls.example.com/"},
                                               {"KAFKA_BROKERS", "k:9092"}}));
  CHECK(c.base_url == "https://calls.example.com");
  CHECK(c.delivery_timeout.count() == 5000);
  CHECK(c.http.port == 8080);
}

TEST_CASE("help lists every variable and never a secret's value", "[config]") {
  std::string help = ingress::IngressConfig::help();
  for (const char* name :
       {"TWILIO_AUTH_TOKEN", "BASE_URL", "KAFKA_BROKERS", "KAFKA_DELIVERY_TIMEOUT_MS", "HTTP_PORT"})
    CHECK(help.find(name) != std::string::npos);
}

TEST_CASE("projector: migrate needs only DATABASE_URL, run needs Kafka too", "[config]") {
  auto only_db = lookup({{"DATABASE_URL", "host=/tmp dbname=x"}});
  CHECK_NOTHROW(projector::ProjectorConfig::from_env("migrate", only_db));
  CHECK_THROWS_WITH(projector::ProjectorConfig::from_env("run", only_db),
                    Catch::Contains("KAFKA_BROKERS is required"));
  auto props =
      lookup({{"DATABASE_URL", "x"},
              {"KAFKA_BROKERS", "k:9092"},
              {"KAFKA_CONSUMER_PROPERTIES", "session.timeout.ms=10000,fetch.wait.max.ms=50"}});
  auto c = projector::ProjectorConfig::from_env("run", props);
  CHECK(c.consumer_properties.at("session.timeout.ms") == "10000");
  CHECK(c.consumer_properties.at("fetch.wait.max.ms") == "50");
  CHECK_THROWS_WITH(projector::ProjectorConfig::from_env(
                        "run", lookup({{"DATABASE_URL", "x"},
                                       {"KAFKA_BROKERS", "k"},
                                       {"KAFKA_CONSUMER_PROPERTIES", "novalue"}})),
                    Catch::Contains("KAFKA_CONSUMER_PROPERTIES"));
}

TEST_CASE("Kafka properties: security for every client, producer extras, guarantees refused",
          "[config]") {
  std::map<std::string, std::string> base = {{"TWILIO_ACCOUNT_SID", "AC" + std::string(32, 'a')},
                                             {"TWILIO_AUTH_TOKEN", "t"},
                                             {"BASE_URL", "https://calls.example.com"},
                                             {"KAFKA_BROKERS", "k:9092"}};
  auto vars = base;
  vars["KAFKA_PROPERTIES"] =
      "security.protocol=SASL_SSL,sasl.mechanisms=PLAIN,sasl.username=u,sasl.password=p=w";
  vars["KAFKA_PRODUCER_PROPERTIES"] = "compression.type=zstd";
  auto c = ingress::IngressConfig::from_env(lookup(vars));
  CHECK(c.kafka_properties.at("security.protocol") == "SASL_SSL");
  CHECK(c.kafka_properties.at("sasl.password") == "p=w");  // only the first '=' splits
  CHECK(c.producer_properties.at("compression.type") == "zstd");

  // The producer's guarantees and the settings with variables of their own are not overridable.
  vars = base;
  vars["KAFKA_PRODUCER_PROPERTIES"] = "enable.idempotence=false,acks=1";
  vars["KAFKA_PROPERTIES"] = "bootstrap.servers=elsewhere:9092";
  try {
    ingress::IngressConfig::from_env(lookup(vars));
    FAIL("expected a ConfigError");
  } catch (const core::ConfigError& e) {
    std::string m = e.what();
    CHECK(m.find("KAFKA_PRODUCER_PROPERTIES must not set enable.idempotence") != std::string::npos);
    CHECK(m.find("KAFKA_PRODUCER_PROPERTIES must not set acks") != std::string::npos);
    CHECK(m.find("KAFKA_PROPERTIES must not set bootstrap.servers") != std::string::npos);
  }
  CHECK_THROWS_WITH(projector::ProjectorConfig::from_env(
                        "run", lookup({{"DATABASE_URL", "x"},
                                       {"KAFKA_BROKERS", "k"},
                                       {"KAFKA_CONSUMER_PROPERTIES", "enable.auto.commit=true"}})),
                    Catch::Contains("must not set enable.auto.commit"));
  // A malformed item names itself, never a value (it may be a password).
  CHECK_THROWS_WITH(
      projector::ProjectorConfig::from_env(
          "run", lookup({{"DATABASE_URL", "x"},
                         {"KAFKA_BROKERS", "k"},
                         {"KAFKA_PROPERTIES", "sasl.username=u,=secret-value"}})),
      !Catch::Contains("secret-value") && Catch::Contains("KAFKA_PROPERTIES items must be"));
}

TEST_CASE("KAFKA_LINGER_MS takes fractions of a millisecond, and refuses what is not one",
          "[config]") {
  auto with_linger = [](const std::string& v) {
    return lookup({{"TWILIO_ACCOUNT_SID", "AC" + std::string(32, 'a')},
                   {"TWILIO_AUTH_TOKEN", "t"},
                   {"BASE_URL", "https://calls.example.com"},
                   {"KAFKA_BROKERS", "k:9092"},
                   {"KAFKA_LINGER_MS", v}});
  };
  CHECK(ingress::IngressConfig::from_env(with_linger("0.5")).linger.count() == 500);
  CHECK(ingress::IngressConfig::from_env(with_linger("2.25")).linger.count() == 2250);
  CHECK(ingress::IngressConfig::from_env(with_linger("0.001")).linger.count() == 1);
  CHECK(ingress::IngressConfig::from_env(with_linger("5")).linger.count() == 5000);
  CHECK(ingress::IngressConfig::from_env(with_linger("0")).linger.count() == 0);
  for (const char* bad : {"0.0001", "-1", "1.", ".5", "1,5", "abc", "1001", "0.5ms"})
    CHECK_THROWS_WITH(ingress::IngressConfig::from_env(with_linger(bad)),
                      Catch::Contains("KAFKA_LINGER_MS must be"));
  auto defaults = lookup({{"TWILIO_ACCOUNT_SID", "AC" + std::string(32, 'a')},
                          {"TWILIO_AUTH_TOKEN", "t"},
                          {"BASE_URL", "https://calls.example.com"},
                          {"KAFKA_BROKERS", "k:9092"}});
  CHECK(ingress::IngressConfig::from_env(defaults).linger.count() == 500);
}
