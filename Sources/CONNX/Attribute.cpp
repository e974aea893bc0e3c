// AttributeProto: read and build every value kind.
#include "Common.hpp"

using namespace connx;
using onnx::AttributeProto;

extern "C" {

connx_string connx_attribute_name(const connx_attribute *attribute) {
    return attribute ? view(as<AttributeProto>(attribute)->name()) : emptyString();
}

connx_string connx_attribute_ref_attr_name(const connx_attribute *attribute) {
    return attribute ? view(as<AttributeProto>(attribute)->ref_attr_name()) : emptyString();
}

int32_t connx_attribute_type(const connx_attribute *attribute) {
    return attribute ? static_cast<int32_t>(as<AttributeProto>(attribute)->type()) : CONNX_ATTRIBUTE_UNDEFINED;
}

uint32_t connx_attribute_present_fields(const connx_attribute *attribute) {
    if (attribute == nullptr) return 0;
    const auto &a = *as<AttributeProto>(attribute);
    uint32_t fields = 0;
    if (a.has_f()) fields |= CONNX_FIELD_F;
    if (a.has_i()) fields |= CONNX_FIELD_I;
    if (a.has_s()) fields |= CONNX_FIELD_S;
    if (a.has_t()) fields |= CONNX_FIELD_T;
    if (a.has_g()) fields |= CONNX_FIELD_G;
    if (a.has_sparse_tensor()) fields |= CONNX_FIELD_SPARSE_TENSOR;
    if (a.has_tp()) fields |= CONNX_FIELD_TP;
    if (a.floats_size() > 0) fields |= CONNX_FIELD_FLOATS;
    if (a.ints_size() > 0) fields |= CONNX_FIELD_INTS;
    if (a.strings_size() > 0) fields |= CONNX_FIELD_STRINGS;
    if (a.tensors_size() > 0) fields |= CONNX_FIELD_TENSORS;
    if (a.graphs_size() > 0) fields |= CONNX_FIELD_GRAPHS;
    if (a.sparse_tensors_size() > 0) fields |= CONNX_FIELD_SPARSE_TENSORS;
    if (a.type_protos_size() > 0) fields |= CONNX_FIELD_TYPE_PROTOS;
    return fields;
}

float connx_attribute_f(const connx_attribute *attribute) {
    return attribute ? as<AttributeProto>(attribute)->f() : 0.0f;
}

int64_t connx_attribute_i(const connx_attribute *attribute) {
    return attribute ? as<AttributeProto>(attribute)->i() : 0;
}

connx_string connx_attribute_s(const connx_attribute *attribute) {
    return attribute ? view(as<AttributeProto>(attribute)->s()) : emptyString();
}

const connx_tensor *connx_attribute_t(const connx_attribute *attribute) {
    if (attribute == nullptr || !as<AttributeProto>(attribute)->has_t()) return nullptr;
    return handle<connx_tensor>(&as<AttributeProto>(attribute)->t());
}

const connx_graph *connx_attribute_g(const connx_attribute *attribute) {
    if (attribute == nullptr || !as<AttributeProto>(attribute)->has_g()) return nullptr;
    return handle<connx_graph>(&as<AttributeProto>(attribute)->g());
}

const float *connx_attribute_floats(const connx_attribute *attribute, size_t *count) {
    if (attribute == nullptr) {
        if (count) *count = 0;
        return nullptr;
    }
    return values<float>(as<AttributeProto>(attribute)->floats(), count);
}

const int64_t *connx_attribute_ints(const connx_attribute *attribute, size_t *count) {
    if (attribute == nullptr) {
        if (count) *count = 0;
        return nullptr;
    }
    return values<int64_t>(as<AttributeProto>(attribute)->ints(), count);
}

size_t connx_attribute_strings_count(const connx_attribute *attribute) {
    return attribute ? static_cast<size_t>(as<AttributeProto>(attribute)->strings_size()) : 0;
}

connx_string connx_attribute_string_at(const connx_attribute *attribute, size_t index) {
    return attribute ? stringAt(as<AttributeProto>(attribute)->strings(), index) : emptyString();
}

size_t connx_attribute_tensors_count(const connx_attribute *attribute) {
    return attribute ? static_cast<size_t>(as<AttributeProto>(attribute)->tensors_size()) : 0;
}

const connx_tensor *connx_attribute_tensor_at(const connx_attribute *attribute, size_t index) {
    return attribute ? messageAt<connx_tensor>(as<AttributeProto>(attribute)->tensors(), index) : nullptr;
}

size_t connx_attribute_graphs_count(const connx_attribute *attribute) {
    return attribute ? static_cast<size_t>(as<AttributeProto>(attribute)->graphs_size()) : 0;
}

const connx_graph *connx_attribute_graph_at(const connx_attribute *attribute, size_t index) {
    return attribute ? messageAt<connx_graph>(as<AttributeProto>(attribute)->graphs(), index) : nullptr;
}

void connx_attribute_set_name(connx_attribute *attribute, const char *data, size_t length) {
    if (attribute) as<AttributeProto>(attribute)->set_name(text(data, length));
}

void connx_attribute_set_ref_attr_name(connx_attribute *attribute, const char *data, size_t length) {
    if (attribute) as<AttributeProto>(attribute)->set_ref_attr_name(text(data, length));
}

void connx_attribute_set_type(connx_attribute *attribute, int32_t type) {
    // Unknown values would break the proto2 enum invariant; they are written as UNDEFINED.
    if (attribute == nullptr) return;
    auto value = onnx::AttributeProto_AttributeType_IsValid(type)
                     ? static_cast<onnx::AttributeProto_AttributeType>(type)
                     : onnx::AttributeProto_AttributeType_UNDEFINED;
    as<AttributeProto>(attribute)->set_type(value);
}

void connx_attribute_set_f(connx_attribute *attribute, float value) {
    if (attribute) as<AttributeProto>(attribute)->set_f(value);
}

void connx_attribute_set_i(connx_attribute *attribute, int64_t value) {
    if (attribute) as<AttributeProto>(attribute)->set_i(value);
}

void connx_attribute_set_s(connx_attribute *attribute, const char *data, size_t length) {
    if (attribute) as<AttributeProto>(attribute)->set_s(text(data, length));
}

connx_tensor *connx_attribute_mutable_t(connx_attribute *attribute) {
    return attribute ? handle<connx_tensor>(as<AttributeProto>(attribute)->mutable_t()) : nullptr;
}

connx_graph *connx_attribute_mutable_g(connx_attribute *attribute) {
    return attribute ? handle<connx_graph>(as<AttributeProto>(attribute)->mutable_g()) : nullptr;
}

void connx_attribute_set_floats(connx_attribute *attribute, const float *values, size_t count) {
    if (attribute) assign(as<AttributeProto>(attribute)->mutable_floats(), values, count);
}

void connx_attribute_set_ints(connx_attribute *attribute, const int64_t *values, size_t count) {
    if (attribute) assign(as<AttributeProto>(attribute)->mutable_ints(), values, count);
}

void connx_attribute_add_string(connx_attribute *attribute, const char *data, size_t length) {
    if (attribute) as<AttributeProto>(attribute)->add_strings(text(data, length));
}

connx_tensor *connx_attribute_add_tensor(connx_attribute *attribute) {
    return attribute ? handle<connx_tensor>(as<AttributeProto>(attribute)->add_tensors()) : nullptr;
}

connx_graph *connx_attribute_add_graph(connx_attribute *attribute) {
    return attribute ? handle<connx_graph>(as<AttributeProto>(attribute)->add_graphs()) : nullptr;
}

} // extern "C"
