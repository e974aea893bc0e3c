// FunctionProto (model-local functions, IR >= 8): read and build.
#include "Common.hpp"

using namespace connx;
using onnx::FunctionProto;

extern "C" {

connx_string connx_function_name(const connx_function *function) {
    return function ? view(as<FunctionProto>(function)->name()) : emptyString();
}

connx_string connx_function_domain(const connx_function *function) {
    return function ? view(as<FunctionProto>(function)->domain()) : emptyString();
}

connx_string connx_function_doc_string(const connx_function *function) {
    return function ? view(as<FunctionProto>(function)->doc_string()) : emptyString();
}

size_t connx_function_input_count(const connx_function *function) {
    return function ? static_cast<size_t>(as<FunctionProto>(function)->input_size()) : 0;
}

connx_string connx_function_input(const connx_function *function, size_t index) {
    return function ? stringAt(as<FunctionProto>(function)->input(), index) : emptyString();
}

size_t connx_function_output_count(const connx_function *function) {
    return function ? static_cast<size_t>(as<FunctionProto>(function)->output_size()) : 0;
}

connx_string connx_function_output(const connx_function *function, size_t index) {
    return function ? stringAt(as<FunctionProto>(function)->output(), index) : emptyString();
}

size_t connx_function_attribute_count(const connx_function *function) {
    return function ? static_cast<size_t>(as<FunctionProto>(function)->attribute_size()) : 0;
}

connx_string connx_function_attribute(const connx_function *function, size_t index) {
    return function ? stringAt(as<FunctionProto>(function)->attribute(), index) : emptyString();
}

size_t connx_function_node_count(const connx_function *function) {
    return function ? static_cast<size_t>(as<FunctionProto>(function)->node_size()) : 0;
}

const connx_node *connx_function_node(const connx_function *function, size_t index) {
    return function ? messageAt<connx_node>(as<FunctionProto>(function)->node(), index) : nullptr;
}

size_t connx_function_opset_count(const connx_function *function) {
    return function ? static_cast<size_t>(as<FunctionProto>(function)->opset_import_size()) : 0;
}

connx_string connx_function_opset_domain(const connx_function *function, size_t index) {
    if (index >= connx_function_opset_count(function)) return emptyString();
    return view(as<FunctionProto>(function)->opset_import(static_cast<int>(index)).domain());
}

int64_t connx_function_opset_version(const connx_function *function, size_t index) {
    if (index >= connx_function_opset_count(function)) return 0;
    return as<FunctionProto>(function)->opset_import(static_cast<int>(index)).version();
}

void connx_function_set_name(connx_function *function, const char *data, size_t length) {
    if (function) as<FunctionProto>(function)->set_name(text(data, length));
}

void connx_function_set_domain(connx_function *function, const char *data, size_t length) {
    if (function) as<FunctionProto>(function)->set_domain(text(data, length));
}

void connx_function_set_doc_string(connx_function *function, const char *data, size_t length) {
    if (function) as<FunctionProto>(function)->set_doc_string(text(data, length));
}

void connx_function_add_input(connx_function *function, const char *data, size_t length) {
    if (function) as<FunctionProto>(function)->add_input(text(data, length));
}

void connx_function_add_output(connx_function *function, const char *data, size_t length) {
    if (function) as<FunctionProto>(function)->add_output(text(data, length));
}

void connx_function_add_attribute(connx_function *function, const char *data, size_t length) {
    if (function) as<FunctionProto>(function)->add_attribute(text(data, length));
}

connx_node *connx_function_add_node(connx_function *function) {
    return function ? handle<connx_node>(as<FunctionProto>(function)->add_node()) : nullptr;
}

void connx_function_add_opset(connx_function *function, const char *domain, size_t domain_length, int64_t version) {
    if (function == nullptr) return;
    auto *opset = as<FunctionProto>(function)->add_opset_import();
    opset->set_domain(text(domain, domain_length));
    opset->set_version(version);
}

} // extern "C"
