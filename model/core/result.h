#pragma once

#include "core/error.h"

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace tiersync {

// A value or an Error. Recoverable failures travel as Result; exceptions from
// libraries (pqxx, hiredis wrappers) are caught at the worker boundary and become one.
template <typename T>
class [[nodiscard]] Result final {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}  // NOLINT implicit
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

    [[nodiscard]] bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    [[nodiscard]] T &value() & { return std::get<0>(m_state); }
    [[nodiscard]] const T &value() const & { return std::get<0>(m_state); }
    [[nodiscard]] T &&value() && { return std::get<0>(std::move(m_state)); }
    [[nodiscard]] T valueOr(T fallback) const { return ok() ? value() : std::move(fallback); }

    [[nodiscard]] const Error &error() const { return std::get<1>(m_state); }

    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

private:
    std::variant<T, Error> m_state;
};

template <>
class [[nodiscard]] Result<void> final {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}  // NOLINT implicit

    [[nodiscard]] bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const Error &error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

}  // namespace tiersync
