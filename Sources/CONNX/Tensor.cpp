// TensorProto: read and build typed fields, raw data and external-data references, and
// parse or serialise a standalone TensorProto (the conformance data sets store them).
#include <climits>
#include <exception>
#include <memory>

#include "Common.hpp"
#include <google/protobuf/stubs/logging.h>

using namespace connx;
using onnx::TensorProto;

namespace {

template <class T, class Repeated>
const T *field(const connx_tensor *tensor, const Repeated &(TensorProto::*getter)() const, size_t *count) {
    if (tensor == nullptr) {
        if (count) *count = 0;
        return nullptr;
    }
    return values<T>((as<TensorProto>(tensor)->*getter)(), count);
}

} // namespace

extern "C" {

connx_tensor *connx_tensor_parse(const void *bytes, size_t length, connx_error *error) {
    try {
        // Parse failures come back as the error; protobuf must not also log them to stderr.
        google::protobuf::LogSilencer silence;
        if (bytes == nullptr && length > 0) {
            fail(error, CONNX_ERROR_ARGUMENT, "no bytes given to parse");
            return nullptr;
        }
        if (length > static_cast<size_t>(INT_MAX)) {
            fail(error, CONNX_ERROR_TOO_LARGE, "the tensor is larger than protobuf's 2 GiB limit");
            return nullptr;
        }
        auto tensor = std::make_unique<TensorProto>();
        if (!tensor->ParseFromArray(bytes, static_cast<int>(length))) {
            fail(error, CONNX_ERROR_PARSE, "the bytes are not a valid serialised ONNX TensorProto (truncated or another message)");
            return nullptr;
        }
        succeed(error);
        return handle<connx_tensor>(tensor.release());
    } catch (const std::exception &exception) {
        fail(error, CONNX_ERROR_INTERNAL, std::string("parsing failed: ") + exception.what());
    } catch (...) {
        fail(error, CONNX_ERROR_INTERNAL, "parsing failed with an unknown exception");
    }
    return nullptr;
}

connx_tensor *connx_tensor_new(void) {
    return handle<connx_tensor>(new TensorProto());
}

void connx_tensor_free(connx_tensor *tensor) {
    delete as<TensorProto>(tensor);
}

size_t connx_tensor_byte_size(const connx_tensor *tensor) {
    return tensor ? as<TensorProto>(tensor)->ByteSizeLong() : 0;
}

int32_t connx_tensor_serialize_into(const connx_tensor *tensor, void *buffer, size_t capacity, connx_error *error) {
    try {
        if (tensor == nullptr) return fail(error, CONNX_ERROR_ARGUMENT, "no tensor to serialise");
        const size_t size = as<TensorProto>(tensor)->ByteSizeLong();
        if (size > static_cast<size_t>(INT_MAX)) {
            return fail(error, CONNX_ERROR_TOO_LARGE, "the tensor is larger than protobuf's 2 GiB limit");
        }
        if (capacity < size || (buffer == nullptr && size > 0)) {
            return fail(error, CONNX_ERROR_ARGUMENT, "the output buffer is smaller than the serialised tensor");
        }
        if (!as<TensorProto>(tensor)->SerializeToArray(buffer, static_cast<int>(size))) {
            return fail(error, CONNX_ERROR_SERIALIZE, "protobuf could not serialise the tensor");
        }
        succeed(error);
        return CONNX_OK;
    } catch (const std::exception &exception) {
        return fail(error, CONNX_ERROR_INTERNAL, std::string("serialising failed: ") + exception.what());
    } catch (...) {
        return fail(error, CONNX_ERROR_INTERNAL, "serialising failed with an unknown exception");
    }
}

connx_string connx_tensor_name(const connx_tensor *tensor) {
    return tensor ? view(as<TensorProto>(tensor)->name()) : emptyString();
}

connx_string connx_tensor_doc_string(const connx_tensor *tensor) {
    return tensor ? view(as<TensorProto>(tensor)->doc_string()) : emptyString();
}

int32_t connx_tensor_data_type(const connx_tensor *tensor) {
    return tensor ? as<TensorProto>(tensor)->data_type() : 0;
}

const int64_t *connx_tensor_dims(const connx_tensor *tensor, size_t *count) {
    return field<int64_t>(tensor, &TensorProto::dims, count);
}

const float *connx_tensor_float_data(const connx_tensor *tensor, size_t *count) {
    return field<float>(tensor, &TensorProto::float_data, count);
}

const int32_t *connx_tensor_int32_data(const connx_tensor *tensor, size_t *count) {
    return field<int32_t>(tensor, &TensorProto::int32_data, count);
}

const int64_t *connx_tensor_int64_data(const connx_tensor *tensor, size_t *count) {
    return field<int64_t>(tensor, &TensorProto::int64_data, count);
}

const double *connx_tensor_double_data(const connx_tensor *tensor, size_t *count) {
    return field<double>(tensor, &TensorProto::double_data, count);
}

const uint64_t *connx_tensor_uint64_data(const connx_tensor *tensor, size_t *count) {
    return field<uint64_t>(tensor, &TensorProto::uint64_data, count);
}

size_t connx_tensor_string_data_count(const connx_tensor *tensor) {
    return tensor ? static_cast<size_t>(as<TensorProto>(tensor)->string_data_size()) : 0;
}

connx_string connx_tensor_string_data_at(const connx_tensor *tensor, size_t index) {
    return tensor ? stringAt(as<TensorProto>(tensor)->string_data(), index) : emptyString();
}

int32_t connx_tensor_has_raw_data(const connx_tensor *tensor) {
    return (tensor && as<TensorProto>(tensor)->has_raw_data()) ? 1 : 0;
}

connx_string connx_tensor_raw_data(const connx_tensor *tensor) {
    return tensor ? view(as<TensorProto>(tensor)->raw_data()) : emptyString();
}

int32_t connx_tensor_data_location(const connx_tensor *tensor) {
    return tensor ? static_cast<int32_t>(as<TensorProto>(tensor)->data_location()) : CONNX_LOCATION_DEFAULT;
}

size_t connx_tensor_external_data_count(const connx_tensor *tensor) {
    return tensor ? static_cast<size_t>(as<TensorProto>(tensor)->external_data_size()) : 0;
}

connx_string connx_tensor_external_data_key(const connx_tensor *tensor, size_t index) {
    if (index >= connx_tensor_external_data_count(tensor)) return emptyString();
    return view(as<TensorProto>(tensor)->external_data(static_cast<int>(index)).key());
}

connx_string connx_tensor_external_data_value(const connx_tensor *tensor, size_t index) {
    if (index >= connx_tensor_external_data_count(tensor)) return emptyString();
    return view(as<TensorProto>(tensor)->external_data(static_cast<int>(index)).value());
}

int32_t connx_tensor_has_segment(const connx_tensor *tensor) {
    return (tensor && as<TensorProto>(tensor)->has_segment()) ? 1 : 0;
}

void connx_tensor_set_name(connx_tensor *tensor, const char *data, size_t length) {
    if (tensor) as<TensorProto>(tensor)->set_name(text(data, length));
}

void connx_tensor_set_doc_string(connx_tensor *tensor, const char *data, size_t length) {
    if (tensor) as<TensorProto>(tensor)->set_doc_string(text(data, length));
}

void connx_tensor_set_data_type(connx_tensor *tensor, int32_t data_type) {
    if (tensor) as<TensorProto>(tensor)->set_data_type(data_type);
}

void connx_tensor_set_dims(connx_tensor *tensor, const int64_t *dims, size_t count) {
    if (tensor) assign(as<TensorProto>(tensor)->mutable_dims(), dims, count);
}

void connx_tensor_set_float_data(connx_tensor *tensor, const float *values, size_t count) {
    if (tensor) assign(as<TensorProto>(tensor)->mutable_float_data(), values, count);
}

void connx_tensor_set_int32_data(connx_tensor *tensor, const int32_t *values, size_t count) {
    if (tensor) assign(as<TensorProto>(tensor)->mutable_int32_data(), values, count);
}

void connx_tensor_set_int64_data(connx_tensor *tensor, const int64_t *values, size_t count) {
    if (tensor) assign(as<TensorProto>(tensor)->mutable_int64_data(), values, count);
}

void connx_tensor_set_double_data(connx_tensor *tensor, const double *values, size_t count) {
    if (tensor) assign(as<TensorProto>(tensor)->mutable_double_data(), values, count);
}

void connx_tensor_set_uint64_data(connx_tensor *tensor, const uint64_t *values, size_t count) {
    if (tensor) assign(as<TensorProto>(tensor)->mutable_uint64_data(), values, count);
}

void connx_tensor_add_string_data(connx_tensor *tensor, const char *data, size_t length) {
    if (tensor) as<TensorProto>(tensor)->add_string_data(text(data, length));
}

void connx_tensor_set_raw_data(connx_tensor *tensor, const void *data, size_t length) {
    if (tensor) as<TensorProto>(tensor)->set_raw_data(text(static_cast<const char *>(data), length));
}

void connx_tensor_set_data_location(connx_tensor *tensor, int32_t location) {
    if (tensor == nullptr) return;
    as<TensorProto>(tensor)->set_data_location(location == CONNX_LOCATION_EXTERNAL ? onnx::TensorProto_DataLocation_EXTERNAL
                                                                                   : onnx::TensorProto_DataLocation_DEFAULT);
}

void connx_tensor_add_external_data(connx_tensor *tensor, const char *key, size_t key_length,
                                    const char *value, size_t value_length) {
    if (tensor == nullptr) return;
    auto *entry = as<TensorProto>(tensor)->add_external_data();
    entry->set_key(text(key, key_length));
    entry->set_value(text(value, value_length));
}

} // extern "C"
