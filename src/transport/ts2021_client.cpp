#include "transport/ts2021_client.h"

namespace latchkey::transport {

boost::asio::awaitable<Result<std::shared_ptr<Ts2021Client>>> Ts2021Client::connect(const ClientConfig& config) {
  UpgradeClientConfig dial_config;
  dial_config.target = config.target;
  dial_config.websocket = config.websocket;
  dial_config.machine_key = config.machine_key;
  dial_config.control_key = config.control_key;
  dial_config.protocol_version = config.protocol_version;
  dial_config.timeouts = config.timeouts;
  auto dialed = co_await dial_noise(dial_config);
  if (!dialed.ok()) co_return dialed.error();

  std::string authority = config.authority;
  if (authority.empty()) {
    bool default_port = config.target.port == (config.target.tls ? 443 : 80);
    authority = default_port ? config.target.host : config.target.host_port();
  }
  auto reader = std::make_unique<EarlyPayloadReader>(std::move(dialed->stream));
  EarlyPayloadReader* early = reader.get();
  auto http = Http2ClientSession::create(std::move(reader), authority, config.limits, config.timeouts);
  http->start();
  co_return std::make_shared<Ts2021Client>(std::move(http), early, std::move(dialed->info));
}

}  // namespace latchkey::transport
