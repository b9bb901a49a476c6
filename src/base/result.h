// Result<T>: a value or an error text, returned across module boundaries.
// std::expected is C++23; this is the small subset latchkey needs.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace latchkey {

// What kind of failure an Error is, for callers that react differently
// (a server maps NotFound/AlreadyExists/Conflict/Expired to different
// responses; a store retries Contended). Callers branch on the kind, never
// on the message text. Most errors are Invalid: the input was wrong.
enum class ErrorKind {
  Invalid,        // malformed or unacceptable input
  NotFound,       // the thing named does not exist
  AlreadyExists,  // a uniqueness rule refused a second one
  Conflict,       // refused by the current state (used key, user with nodes)
  Expired,        // the thing named has outlived its expiry (a pre-auth key, a login)
  Contended,      // lost a race with a concurrent transaction: retrying may succeed
  Unavailable,    // a resource (database, file, peer) cannot be reached
  Internal,       // a broken invariant or corrupt stored data
};

// Error carries a human-readable description of what was wrong with the input.
struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::Invalid;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  const std::string& message() const { return error().message; }
  ErrorKind kind() const { return error().kind; }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }
  const std::string& message() const { return error().message; }
  ErrorKind kind() const { return error().kind; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace latchkey
