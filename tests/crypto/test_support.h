// Small helpers shared by the crypto test files: hex literals and test-data
// file loading.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/hex.h"

namespace latchkey::crypto::testing {

inline Bytes unhex(std::string_view text) {
  Result<Bytes> r = hex_decode(text);
  if (!r.ok()) throw std::invalid_argument("bad hex in test data: " + std::string(text));
  return std::move(r).value();
}

template <std::size_t N>
ByteArray<N> unhex_array(std::string_view text) {
  ByteArray<N> out{};
  if (!hex_decode_into(text, out).ok()) throw std::invalid_argument("bad hex in test data: " + std::string(text));
  return out;
}

inline std::string data_path(std::string_view relative) { return std::string(LATCHKEY_TEST_DATA) + "/" + std::string(relative); }

inline std::string read_text(std::string_view relative) {
  std::ifstream in(data_path(relative), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data " + data_path(relative));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json read_json(std::string_view relative) { return nlohmann::json::parse(read_text(relative)); }

}  // namespace latchkey::crypto::testing
