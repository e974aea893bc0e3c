// ModelProto: parse, serialise, read and build. Errors stop here as a code and message.
#include <climits>
#include <exception>
#include <memory>

#include "Common.hpp"
#include <google/protobuf/stubs/logging.h>

using namespace connx;
using onnx::ModelProto;

extern "C" {

void connx_error_clear(connx_error *error) {
    succeed(error);
}

connx_model *connx_model_parse(const void *bytes, size_t length, connx_error *error) {
    try {
        // Parse failures come back as the error; protobuf must not also log them to stderr.
        google::protobuf::LogSilencer silence;
        if (bytes == nullptr && length > 0) {
            fail(error, CONNX_ERROR_ARGUMENT, "no bytes given to parse");
            return nullptr;
        }
        if (length > static_cast<size_t>(INT_MAX)) {
            fail(error, CONNX_ERROR_TOO_LARGE,
                 "the model is larger than protobuf's 2 GiB limit; large models keep their tensors in external data files");
            return nullptr;
        }
        auto model = std::make_unique<ModelProto>();
        if (!model->ParseFromArray(bytes, static_cast<int>(length))) {
            fail(error, CONNX_ERROR_PARSE, "the bytes are not a valid serialised ONNX ModelProto (truncated or not an ONNX file)");
            return nullptr;
        }
        succeed(error);
        return handle<connx_model>(model.release());
    } catch (const std::exception &exception) {
        fail(error, CONNX_ERROR_INTERNAL, std::string("parsing failed: ") + exception.what());
    } catch (...) {
        fail(error, CONNX_ERROR_INTERNAL, "parsing failed with an unknown exception");
    }
    return nullptr;
}

connx_model *connx_model_new(void) {
    return handle<connx_model>(new ModelProto());
}

void connx_model_free(connx_model *model) {
    delete as<ModelProto>(model);
}

size_t connx_model_byte_size(const connx_model *model) {
    return model ? as<ModelProto>(model)->ByteSizeLong() : 0;
}

int32_t connx_model_serialize_into(const connx_model *model, void *buffer, size_t capacity, connx_error *error) {
    try {
        if (model == nullptr) return fail(error, CONNX_ERROR_ARGUMENT, "no model to serialise");
        const size_t size = as<ModelProto>(model)->ByteSizeLong();
        if (size > static_cast<size_t>(INT_MAX)) {
            return fail(error, CONNX_ERROR_TOO_LARGE,
                        "the model is larger than protobuf's 2 GiB limit; write large tensors as external data");
        }
        if (capacity < size || (buffer == nullptr && size > 0)) {
            return fail(error, CONNX_ERROR_ARGUMENT, "the output buffer is smaller than the serialised model");
        }
        if (!as<ModelProto>(model)->SerializeToArray(buffer, static_cast<int>(size))) {
            return fail(error, CONNX_ERROR_SERIALIZE, "protobuf could not serialise the model");
        }
        succeed(error);
        return CONNX_OK;
    } catch (const std::exception &exception) {
        return fail(error, CONNX_ERROR_INTERNAL, std::string("serialising failed: ") + exception.what());
    } catch (...) {
        return fail(error, CONNX_ERROR_INTERNAL, "serialising failed with an unknown exception");
    }
}

int64_t connx_model_ir_version(const connx_model *model) {
    return model ? as<ModelProto>(model)->ir_version() : 0;
}

connx_string connx_model_producer_name(const connx_model *model) {
    return model ? view(as<ModelProto>(model)->producer_name()) : emptyString();
}

connx_string connx_model_producer_version(const connx_model *model) {
    return model ? view(as<ModelProto>(model)->producer_version()) : emptyString();
}

connx_string connx_model_domain(const connx_model *model) {
    return model ? view(as<ModelProto>(model)->domain()) : emptyString();
}

int64_t connx_model_model_version(const connx_model *model) {
    return model ? as<ModelProto>(model)->model_version() : 0;
}

connx_string connx_model_doc_string(const connx_model *model) {
    return model ? view(as<ModelProto>(model)->doc_string()) : emptyString();
}

size_t connx_model_opset_count(const connx_model *model) {
    return model ? static_cast<size_t>(as<ModelProto>(model)->opset_import_size()) : 0;
}

connx_string connx_model_opset_domain(const connx_model *model, size_t index) {
    if (index >= connx_model_opset_count(model)) return emptyString();
    return view(as<ModelProto>(model)->opset_import(static_cast<int>(index)).domain());
}

int64_t connx_model_opset_version(const connx_model *model, size_t index) {
    if (index >= connx_model_opset_count(model)) return 0;
    return as<ModelProto>(model)->opset_import(static_cast<int>(index)).version();
}

size_t connx_model_metadata_count(const connx_model *model) {
    return model ? static_cast<size_t>(as<ModelProto>(model)->metadata_props_size()) : 0;
}

connx_string connx_model_metadata_key(const connx_model *model, size_t index) {
    if (index >= connx_model_metadata_count(model)) return emptyString();
    return view(as<ModelProto>(model)->metadata_props(static_cast<int>(index)).key());
}

connx_string connx_model_metadata_value(const connx_model *model, size_t index) {
    if (index >= connx_model_metadata_count(model)) return emptyString();
    return view(as<ModelProto>(model)->metadata_props(static_cast<int>(index)).value());
}

const connx_graph *connx_model_graph(const connx_model *model) {
    if (model == nullptr || !as<ModelProto>(model)->has_graph()) return nullptr;
    return handle<connx_graph>(&as<ModelProto>(model)->graph());
}

size_t connx_model_function_count(const connx_model *model) {
    return model ? static_cast<size_t>(as<ModelProto>(model)->functions_size()) : 0;
}

const connx_function *connx_model_function(const connx_model *model, size_t index) {
    return model ? messageAt<connx_function>(as<ModelProto>(model)->functions(), index) : nullptr;
}

size_t connx_model_training_info_count(const connx_model *model) {
    return model ? static_cast<size_t>(as<ModelProto>(model)->training_info_size()) : 0;
}

void connx_model_set_ir_version(connx_model *model, int64_t version) {
    if (model) as<ModelProto>(model)->set_ir_version(version);
}

void connx_model_set_producer_name(connx_model *model, const char *data, size_t length) {
    if (model) as<ModelProto>(model)->set_producer_name(text(data, length));
}

void connx_model_set_producer_version(connx_model *model, const char *data, size_t length) {
    if (model) as<ModelProto>(model)->set_producer_version(text(data, length));
}

void connx_model_set_domain(connx_model *model, const char *data, size_t length) {
    if (model) as<ModelProto>(model)->set_domain(text(data, length));
}

void connx_model_set_model_version(connx_model *model, int64_t version) {
    if (model) as<ModelProto>(model)->set_model_version(version);
}

void connx_model_set_doc_string(connx_model *model, const char *data, size_t length) {
    if (model) as<ModelProto>(model)->set_doc_string(text(data, length));
}

void connx_model_add_opset(connx_model *model, const char *domain, size_t domain_length, int64_t version) {
    if (model == nullptr) return;
    auto *opset = as<ModelProto>(model)->add_opset_import();
    opset->set_domain(text(domain, domain_length));
    opset->set_version(version);
}

void connx_model_add_metadata(connx_model *model, const char *key, size_t key_length,
                              const char *value, size_t value_length) {
    if (model == nullptr) return;
    auto *entry = as<ModelProto>(model)->add_metadata_props();
    entry->set_key(text(key, key_length));
    entry->set_value(text(value, value_length));
}

connx_graph *connx_model_mutable_graph(connx_model *model) {
    return model ? handle<connx_graph>(as<ModelProto>(model)->mutable_graph()) : nullptr;
}

connx_function *connx_model_add_function(connx_model *model) {
    return model ? handle<connx_function>(as<ModelProto>(model)->add_functions()) : nullptr;
}

} // extern "C"
