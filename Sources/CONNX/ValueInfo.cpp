// ValueInfoProto and TypeProto: element types, shapes with known and symbolic dims, and the
// nested sequence / optional / map types.
#include "Common.hpp"

using namespace connx;
using onnx::TensorShapeProto;
using onnx::TypeProto;
using onnx::ValueInfoProto;

namespace {

const TensorShapeProto *shapeOf(const connx_type *type) {
    if (type == nullptr) return nullptr;
    const auto &proto = *as<TypeProto>(type);
    switch (proto.value_case()) {
    case TypeProto::kTensorType:
        return proto.tensor_type().has_shape() ? &proto.tensor_type().shape() : nullptr;
    case TypeProto::kSparseTensorType:
        return proto.sparse_tensor_type().has_shape() ? &proto.sparse_tensor_type().shape() : nullptr;
    default:
        return nullptr;
    }
}

const TensorShapeProto::Dimension *dimAt(const connx_type *type, size_t index) {
    const auto *shape = shapeOf(type);
    if (shape == nullptr || index >= static_cast<size_t>(shape->dim_size())) return nullptr;
    return &shape->dim(static_cast<int>(index));
}

TensorShapeProto *mutableShapeOf(connx_type *type) {
    if (type == nullptr) return nullptr;
    auto &proto = *as<TypeProto>(type);
    switch (proto.value_case()) {
    case TypeProto::kTensorType: return proto.mutable_tensor_type()->mutable_shape();
    case TypeProto::kSparseTensorType: return proto.mutable_sparse_tensor_type()->mutable_shape();
    default: return nullptr;
    }
}

} // namespace

extern "C" {

connx_string connx_value_info_name(const connx_value_info *value) {
    return value ? view(as<ValueInfoProto>(value)->name()) : emptyString();
}

connx_string connx_value_info_doc_string(const connx_value_info *value) {
    return value ? view(as<ValueInfoProto>(value)->doc_string()) : emptyString();
}

const connx_type *connx_value_info_type(const connx_value_info *value) {
    if (value == nullptr || !as<ValueInfoProto>(value)->has_type()) return nullptr;
    return handle<connx_type>(&as<ValueInfoProto>(value)->type());
}

void connx_value_info_set_name(connx_value_info *value, const char *data, size_t length) {
    if (value) as<ValueInfoProto>(value)->set_name(text(data, length));
}

void connx_value_info_set_doc_string(connx_value_info *value, const char *data, size_t length) {
    if (value) as<ValueInfoProto>(value)->set_doc_string(text(data, length));
}

connx_type *connx_value_info_mutable_type(connx_value_info *value) {
    return value ? handle<connx_type>(as<ValueInfoProto>(value)->mutable_type()) : nullptr;
}

int32_t connx_type_kind(const connx_type *type) {
    return type ? static_cast<int32_t>(as<TypeProto>(type)->value_case()) : CONNX_TYPE_NONE;
}

int32_t connx_type_elem_type(const connx_type *type) {
    if (type == nullptr) return 0;
    const auto &proto = *as<TypeProto>(type);
    switch (proto.value_case()) {
    case TypeProto::kTensorType: return proto.tensor_type().elem_type();
    case TypeProto::kSparseTensorType: return proto.sparse_tensor_type().elem_type();
    case TypeProto::kMapType: return proto.map_type().key_type();
    default: return 0;
    }
}

int32_t connx_type_has_shape(const connx_type *type) {
    return shapeOf(type) != nullptr ? 1 : 0;
}

size_t connx_type_dim_count(const connx_type *type) {
    const auto *shape = shapeOf(type);
    return shape ? static_cast<size_t>(shape->dim_size()) : 0;
}

int32_t connx_type_dim_kind(const connx_type *type, size_t index) {
    const auto *dim = dimAt(type, index);
    return dim ? static_cast<int32_t>(dim->value_case()) : CONNX_DIM_UNKNOWN;
}

int64_t connx_type_dim_value(const connx_type *type, size_t index) {
    const auto *dim = dimAt(type, index);
    return (dim && dim->has_dim_value()) ? dim->dim_value() : 0;
}

connx_string connx_type_dim_param(const connx_type *type, size_t index) {
    const auto *dim = dimAt(type, index);
    return (dim && dim->has_dim_param()) ? view(dim->dim_param()) : emptyString();
}

const connx_type *connx_type_inner(const connx_type *type) {
    if (type == nullptr) return nullptr;
    const auto &proto = *as<TypeProto>(type);
    switch (proto.value_case()) {
    case TypeProto::kSequenceType:
        return proto.sequence_type().has_elem_type() ? handle<connx_type>(&proto.sequence_type().elem_type()) : nullptr;
    case TypeProto::kOptionalType:
        return proto.optional_type().has_elem_type() ? handle<connx_type>(&proto.optional_type().elem_type()) : nullptr;
    case TypeProto::kMapType:
        return proto.map_type().has_value_type() ? handle<connx_type>(&proto.map_type().value_type()) : nullptr;
    default:
        return nullptr;
    }
}

void connx_type_set_tensor(connx_type *type, int32_t elem_type) {
    if (type) as<TypeProto>(type)->mutable_tensor_type()->set_elem_type(elem_type);
}

void connx_type_set_sparse_tensor(connx_type *type, int32_t elem_type) {
    if (type) as<TypeProto>(type)->mutable_sparse_tensor_type()->set_elem_type(elem_type);
}

void connx_type_set_shape(connx_type *type) {
    (void)mutableShapeOf(type);
}

void connx_type_add_dim_value(connx_type *type, int64_t value) {
    if (auto *shape = mutableShapeOf(type)) shape->add_dim()->set_dim_value(value);
}

void connx_type_add_dim_param(connx_type *type, const char *data, size_t length) {
    if (auto *shape = mutableShapeOf(type)) shape->add_dim()->set_dim_param(text(data, length));
}

void connx_type_add_dim_unknown(connx_type *type) {
    if (auto *shape = mutableShapeOf(type)) shape->add_dim();
}

connx_type *connx_type_set_sequence(connx_type *type) {
    return type ? handle<connx_type>(as<TypeProto>(type)->mutable_sequence_type()->mutable_elem_type()) : nullptr;
}

connx_type *connx_type_set_optional(connx_type *type) {
    return type ? handle<connx_type>(as<TypeProto>(type)->mutable_optional_type()->mutable_elem_type()) : nullptr;
}

connx_type *connx_type_set_map(connx_type *type, int32_t key_type) {
    if (type == nullptr) return nullptr;
    auto *map = as<TypeProto>(type)->mutable_map_type();
    map->set_key_type(key_type);
    return handle<connx_type>(map->mutable_value_type());
}

void connx_type_set_opaque(connx_type *type) {
    if (type) as<TypeProto>(type)->mutable_opaque_type();
}

} // extern "C"
