// Shared helpers of the CONNX shim: handle casts, string views and error reporting.
// Handles are the protobuf messages themselves, reinterpreted; no wrapper objects exist.
#pragma once

#include <cstdlib>
#include <cstring>
#include <string>

#include "connx.h"
#include "onnx/onnx_pb.h"

namespace connx {

template <class Proto, class Handle>
inline const Proto *as(const Handle *handle) noexcept {
    return reinterpret_cast<const Proto *>(handle);
}

template <class Proto, class Handle>
inline Proto *as(Handle *handle) noexcept {
    return reinterpret_cast<Proto *>(handle);
}

template <class Handle, class Proto>
inline const Handle *handle(const Proto *proto) noexcept {
    return reinterpret_cast<const Handle *>(proto);
}

template <class Handle, class Proto>
inline Handle *handle(Proto *proto) noexcept {
    return reinterpret_cast<Handle *>(proto);
}

inline connx_string view(const std::string &text) noexcept {
    return connx_string{text.data(), text.size()};
}

inline connx_string emptyString() noexcept {
    return connx_string{"", 0};
}

/// A std::string from a C buffer; NULL with length 0 is the empty string.
inline std::string text(const char *data, size_t length) {
    return (data != nullptr && length > 0) ? std::string(data, length) : std::string();
}

/// The element at `index` of a repeated string field, or "" when out of range.
template <class Repeated>
inline connx_string stringAt(const Repeated &field, size_t index) noexcept {
    return index < static_cast<size_t>(field.size()) ? view(field.Get(static_cast<int>(index))) : emptyString();
}

/// The message at `index` of a repeated message field, or NULL when out of range.
template <class Handle, class Repeated>
inline const Handle *messageAt(const Repeated &field, size_t index) noexcept {
    return index < static_cast<size_t>(field.size()) ? handle<Handle>(&field.Get(static_cast<int>(index))) : nullptr;
}

/// Contiguous values of a repeated scalar field, with the count written to `count`.
template <class T, class Repeated>
inline const T *values(const Repeated &field, size_t *count) noexcept {
    if (count != nullptr) *count = static_cast<size_t>(field.size());
    return field.size() > 0 ? field.data() : nullptr;
}

/// Replaces a repeated scalar field with `count` values.
template <class T, class Repeated>
inline void assign(Repeated *field, const T *data, size_t count) {
    field->Clear();
    if (data != nullptr && count > 0) field->Add(data, data + count);
}

/// Fills `error` (if given) with a code and a heap copy of `message`; returns the code.
inline int32_t fail(connx_error *error, int32_t code, const std::string &message) noexcept {
    if (error == nullptr) return code;
    std::free(error->message);
    error->code = code;
    error->message = static_cast<char *>(std::malloc(message.size() + 1));
    if (error->message != nullptr) std::memcpy(error->message, message.c_str(), message.size() + 1);
    return code;
}

/// Marks `error` as success.
inline void succeed(connx_error *error) noexcept {
    if (error == nullptr) return;
    std::free(error->message);
    error->message = nullptr;
    error->code = CONNX_OK;
}

} // namespace connx
