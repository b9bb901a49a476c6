#include "transport/transport_error.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/system/system_error.hpp>

namespace latchkey::transport {

Failure classify_failure(std::exception_ptr error) {
  if (!error) return {CloseReason::Completed, "completed"};
  try {
    std::rethrow_exception(error);
  } catch (const TransportError& e) {
    return {e.reason(), e.what()};
  } catch (const boost::system::system_error& e) {
    const auto& ec = e.code();
    namespace aerr = boost::asio::error;
    if (ec == aerr::eof || ec == aerr::connection_reset || ec == aerr::broken_pipe ||
        ec == aerr::connection_aborted || ec == boost::asio::ssl::error::stream_truncated ||
        ec == boost::beast::websocket::error::closed) {
      return {CloseReason::PeerClosed, ec.message()};
    }
    return {CloseReason::IoError, ec.message()};
  } catch (const std::exception& e) {
    return {CloseReason::IoError, e.what()};
  } catch (...) {
    return {CloseReason::IoError, "unknown error"};
  }
}

}  // namespace latchkey::transport
