/*
 * CONNX: a pure C view of ONNX protobuf messages, backed by Debian's libonnx 1.12.
 *
 * Design: opaque handles that point straight into the protobuf messages, with one small
 * accessor or setter per field. Nothing is copied into C structs; the Swift side copies what
 * it needs while the owning handle is alive.
 *
 * Ownership. Only three handles own memory: a connx_model from connx_model_parse,
 * connx_model_new or connx_infer_shapes (free with connx_model_free), and a standalone
 * connx_tensor from connx_tensor_parse or connx_tensor_new (free with connx_tensor_free).
 * Every other handle (graph, node, attribute, tensor inside a model, value info, type,
 * function) and every connx_string borrows from its owner and is valid until that owner is
 * freed. Handles returned by the add_* builders stay valid while more elements are added.
 *
 * Bounds. Index accessors check their index: out of range gives NULL, 0 or an empty string,
 * never undefined behaviour. A NULL handle is accepted everywhere and reads as empty.
 *
 * Errors. Parsing, checking, shape inference and serialisation catch every C++ exception and
 * return a code plus a heap message in connx_error (release it with connx_error_clear).
 * Accessors and setters cannot fail except by running out of memory, which terminates the
 * process just as an allocation failure does in Swift.
 */
#ifndef CONNX_H
#define CONNX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct connx_model connx_model;           /* onnx::ModelProto */
typedef struct connx_graph connx_graph;           /* onnx::GraphProto */
typedef struct connx_node connx_node;             /* onnx::NodeProto */
typedef struct connx_attribute connx_attribute;   /* onnx::AttributeProto */
typedef struct connx_tensor connx_tensor;         /* onnx::TensorProto */
typedef struct connx_value_info connx_value_info; /* onnx::ValueInfoProto */
typedef struct connx_type connx_type;             /* onnx::TypeProto */
typedef struct connx_function connx_function;     /* onnx::FunctionProto */

/** A borrowed byte string (protobuf strings may hold any bytes, NUL included). */
typedef struct connx_string {
    const char *data;
    size_t length;
} connx_string;

enum {
    CONNX_OK = 0,
    CONNX_ERROR_PARSE = 1,        /* bytes are not a valid serialised message */
    CONNX_ERROR_CHECK = 2,        /* onnx::checker rejected the model */
    CONNX_ERROR_INFERENCE = 3,    /* shape inference failed */
    CONNX_ERROR_SERIALIZE = 4,    /* message could not be serialised */
    CONNX_ERROR_TOO_LARGE = 5,    /* protobuf's 2 GiB limit */
    CONNX_ERROR_ARGUMENT = 6,     /* NULL handle or buffer too small */
    CONNX_ERROR_INTERNAL = 7      /* any other exception */
};

/** An error code and a heap-allocated, NUL-terminated message (NULL when code is CONNX_OK). */
typedef struct connx_error {
    int32_t code;
    char *message;
} connx_error;

/** Frees the message and resets the code; safe on a zeroed or already-cleared error. */
void connx_error_clear(connx_error *error);

/* ------------------------------------------------------------------ library facts */

/** Highest IR version libonnx knows (8 for ONNX 1.12). */
int64_t connx_max_ir_version(void);
/** Highest opset libonnx knows for a domain ("" is the default domain); 0 when unknown. */
int64_t connx_max_opset_version(const char *domain, size_t domain_length);
/** The libonnx release, e.g. "1.12.0". */
const char *connx_onnx_version(void);

/* ------------------------------------------------------------------ model */

/** Parses a serialised ModelProto; NULL with `error` filled on failure. */
connx_model *connx_model_parse(const void *bytes, size_t length, connx_error *error);
/** An empty model for the builders below. */
connx_model *connx_model_new(void);
void connx_model_free(connx_model *model);

/** Size of the serialised model in bytes. */
size_t connx_model_byte_size(const connx_model *model);
/** Serialises into `buffer` (at least connx_model_byte_size bytes); CONNX_OK or an error code. */
int32_t connx_model_serialize_into(const connx_model *model, void *buffer, size_t capacity, connx_error *error);

int64_t connx_model_ir_version(const connx_model *model);
connx_string connx_model_producer_name(const connx_model *model);
connx_string connx_model_producer_version(const connx_model *model);
connx_string connx_model_domain(const connx_model *model);
int64_t connx_model_model_version(const connx_model *model);
connx_string connx_model_doc_string(const connx_model *model);
size_t connx_model_opset_count(const connx_model *model);
connx_string connx_model_opset_domain(const connx_model *model, size_t index);
int64_t connx_model_opset_version(const connx_model *model, size_t index);
size_t connx_model_metadata_count(const connx_model *model);
connx_string connx_model_metadata_key(const connx_model *model, size_t index);
connx_string connx_model_metadata_value(const connx_model *model, size_t index);
/** The main graph, or NULL when the model has none. */
const connx_graph *connx_model_graph(const connx_model *model);
size_t connx_model_function_count(const connx_model *model);
const connx_function *connx_model_function(const connx_model *model, size_t index);
size_t connx_model_training_info_count(const connx_model *model);

void connx_model_set_ir_version(connx_model *model, int64_t version);
void connx_model_set_producer_name(connx_model *model, const char *data, size_t length);
void connx_model_set_producer_version(connx_model *model, const char *data, size_t length);
void connx_model_set_domain(connx_model *model, const char *data, size_t length);
void connx_model_set_model_version(connx_model *model, int64_t version);
void connx_model_set_doc_string(connx_model *model, const char *data, size_t length);
void connx_model_add_opset(connx_model *model, const char *domain, size_t domain_length, int64_t version);
void connx_model_add_metadata(connx_model *model, const char *key, size_t key_length,
                              const char *value, size_t value_length);
/** The main graph, created when absent. */
connx_graph *connx_model_mutable_graph(connx_model *model);
connx_function *connx_model_add_function(connx_model *model);

/* ------------------------------------------------------------------ graph */

/** Which ValueInfoProto list of a graph. */
enum {
    CONNX_GRAPH_INPUTS = 0,
    CONNX_GRAPH_OUTPUTS = 1,
    CONNX_GRAPH_VALUE_INFO = 2
};

connx_string connx_graph_name(const connx_graph *graph);
connx_string connx_graph_doc_string(const connx_graph *graph);
size_t connx_graph_node_count(const connx_graph *graph);
const connx_node *connx_graph_node(const connx_graph *graph, size_t index);
size_t connx_graph_initializer_count(const connx_graph *graph);
const connx_tensor *connx_graph_initializer(const connx_graph *graph, size_t index);
size_t connx_graph_sparse_initializer_count(const connx_graph *graph);
size_t connx_graph_value_count(const connx_graph *graph, int32_t list);
const connx_value_info *connx_graph_value(const connx_graph *graph, int32_t list, size_t index);

void connx_graph_set_name(connx_graph *graph, const char *data, size_t length);
void connx_graph_set_doc_string(connx_graph *graph, const char *data, size_t length);
connx_node *connx_graph_add_node(connx_graph *graph);
connx_tensor *connx_graph_add_initializer(connx_graph *graph);
connx_value_info *connx_graph_add_value(connx_graph *graph, int32_t list);

/* ------------------------------------------------------------------ node */

connx_string connx_node_name(const connx_node *node);
connx_string connx_node_op_type(const connx_node *node);
connx_string connx_node_domain(const connx_node *node);
connx_string connx_node_doc_string(const connx_node *node);
size_t connx_node_input_count(const connx_node *node);
connx_string connx_node_input(const connx_node *node, size_t index);
size_t connx_node_output_count(const connx_node *node);
connx_string connx_node_output(const connx_node *node, size_t index);
size_t connx_node_attribute_count(const connx_node *node);
const connx_attribute *connx_node_attribute(const connx_node *node, size_t index);

void connx_node_set_name(connx_node *node, const char *data, size_t length);
void connx_node_set_op_type(connx_node *node, const char *data, size_t length);
void connx_node_set_domain(connx_node *node, const char *data, size_t length);
void connx_node_set_doc_string(connx_node *node, const char *data, size_t length);
void connx_node_add_input(connx_node *node, const char *data, size_t length);
void connx_node_add_output(connx_node *node, const char *data, size_t length);
connx_attribute *connx_node_add_attribute(connx_node *node);

/* ------------------------------------------------------------------ attribute */

/** AttributeProto.AttributeType values (the declared type; UNDEFINED in very old files). */
enum {
    CONNX_ATTRIBUTE_UNDEFINED = 0,
    CONNX_ATTRIBUTE_FLOAT = 1,
    CONNX_ATTRIBUTE_INT = 2,
    CONNX_ATTRIBUTE_STRING = 3,
    CONNX_ATTRIBUTE_TENSOR = 4,
    CONNX_ATTRIBUTE_GRAPH = 5,
    CONNX_ATTRIBUTE_FLOATS = 6,
    CONNX_ATTRIBUTE_INTS = 7,
    CONNX_ATTRIBUTE_STRINGS = 8,
    CONNX_ATTRIBUTE_TENSORS = 9,
    CONNX_ATTRIBUTE_GRAPHS = 10,
    CONNX_ATTRIBUTE_SPARSE_TENSOR = 11,
    CONNX_ATTRIBUTE_SPARSE_TENSORS = 12,
    CONNX_ATTRIBUTE_TYPE_PROTO = 13,
    CONNX_ATTRIBUTE_TYPE_PROTOS = 14
};

/** Bits of connx_attribute_present_fields: which value fields the message carries. */
enum {
    CONNX_FIELD_F = 1 << 0,
    CONNX_FIELD_I = 1 << 1,
    CONNX_FIELD_S = 1 << 2,
    CONNX_FIELD_T = 1 << 3,
    CONNX_FIELD_G = 1 << 4,
    CONNX_FIELD_SPARSE_TENSOR = 1 << 5,
    CONNX_FIELD_TP = 1 << 6,
    CONNX_FIELD_FLOATS = 1 << 7,
    CONNX_FIELD_INTS = 1 << 8,
    CONNX_FIELD_STRINGS = 1 << 9,
    CONNX_FIELD_TENSORS = 1 << 10,
    CONNX_FIELD_GRAPHS = 1 << 11,
    CONNX_FIELD_SPARSE_TENSORS = 1 << 12,
    CONNX_FIELD_TYPE_PROTOS = 1 << 13
};

connx_string connx_attribute_name(const connx_attribute *attribute);
connx_string connx_attribute_ref_attr_name(const connx_attribute *attribute);
int32_t connx_attribute_type(const connx_attribute *attribute);
uint32_t connx_attribute_present_fields(const connx_attribute *attribute);
float connx_attribute_f(const connx_attribute *attribute);
int64_t connx_attribute_i(const connx_attribute *attribute);
connx_string connx_attribute_s(const connx_attribute *attribute);
/** The tensor / graph value, or NULL when absent. */
const connx_tensor *connx_attribute_t(const connx_attribute *attribute);
const connx_graph *connx_attribute_g(const connx_attribute *attribute);
/** Contiguous list values; `count` receives the length (the pointer may be NULL when 0). */
const float *connx_attribute_floats(const connx_attribute *attribute, size_t *count);
const int64_t *connx_attribute_ints(const connx_attribute *attribute, size_t *count);
size_t connx_attribute_strings_count(const connx_attribute *attribute);
connx_string connx_attribute_string_at(const connx_attribute *attribute, size_t index);
size_t connx_attribute_tensors_count(const connx_attribute *attribute);
const connx_tensor *connx_attribute_tensor_at(const connx_attribute *attribute, size_t index);
size_t connx_attribute_graphs_count(const connx_attribute *attribute);
const connx_graph *connx_attribute_graph_at(const connx_attribute *attribute, size_t index);

void connx_attribute_set_name(connx_attribute *attribute, const char *data, size_t length);
void connx_attribute_set_ref_attr_name(connx_attribute *attribute, const char *data, size_t length);
void connx_attribute_set_type(connx_attribute *attribute, int32_t type);
void connx_attribute_set_f(connx_attribute *attribute, float value);
void connx_attribute_set_i(connx_attribute *attribute, int64_t value);
void connx_attribute_set_s(connx_attribute *attribute, const char *data, size_t length);
connx_tensor *connx_attribute_mutable_t(connx_attribute *attribute);
connx_graph *connx_attribute_mutable_g(connx_attribute *attribute);
void connx_attribute_set_floats(connx_attribute *attribute, const float *values, size_t count);
void connx_attribute_set_ints(connx_attribute *attribute, const int64_t *values, size_t count);
void connx_attribute_add_string(connx_attribute *attribute, const char *data, size_t length);
connx_tensor *connx_attribute_add_tensor(connx_attribute *attribute);
connx_graph *connx_attribute_add_graph(connx_attribute *attribute);

/* ------------------------------------------------------------------ tensor */

/** TensorProto.DataLocation values. */
enum {
    CONNX_LOCATION_DEFAULT = 0,
    CONNX_LOCATION_EXTERNAL = 1
};

/** Parses a standalone serialised TensorProto (e.g. test_data_set_0/input_0.pb). */
connx_tensor *connx_tensor_parse(const void *bytes, size_t length, connx_error *error);
/** An empty standalone tensor. */
connx_tensor *connx_tensor_new(void);
/** Frees a tensor from connx_tensor_parse / connx_tensor_new (never one inside a model). */
void connx_tensor_free(connx_tensor *tensor);
size_t connx_tensor_byte_size(const connx_tensor *tensor);
int32_t connx_tensor_serialize_into(const connx_tensor *tensor, void *buffer, size_t capacity, connx_error *error);

connx_string connx_tensor_name(const connx_tensor *tensor);
connx_string connx_tensor_doc_string(const connx_tensor *tensor);
/** TensorProto.DataType as stored (may be a value newer than libonnx knows). */
int32_t connx_tensor_data_type(const connx_tensor *tensor);
const int64_t *connx_tensor_dims(const connx_tensor *tensor, size_t *count);
const float *connx_tensor_float_data(const connx_tensor *tensor, size_t *count);
const int32_t *connx_tensor_int32_data(const connx_tensor *tensor, size_t *count);
const int64_t *connx_tensor_int64_data(const connx_tensor *tensor, size_t *count);
const double *connx_tensor_double_data(const connx_tensor *tensor, size_t *count);
const uint64_t *connx_tensor_uint64_data(const connx_tensor *tensor, size_t *count);
size_t connx_tensor_string_data_count(const connx_tensor *tensor);
connx_string connx_tensor_string_data_at(const connx_tensor *tensor, size_t index);
/** 1 when the raw_data field is present (even empty), else 0. */
int32_t connx_tensor_has_raw_data(const connx_tensor *tensor);
connx_string connx_tensor_raw_data(const connx_tensor *tensor);
int32_t connx_tensor_data_location(const connx_tensor *tensor);
size_t connx_tensor_external_data_count(const connx_tensor *tensor);
connx_string connx_tensor_external_data_key(const connx_tensor *tensor, size_t index);
connx_string connx_tensor_external_data_value(const connx_tensor *tensor, size_t index);
/** 1 when the (unused in practice) segment field is present. */
int32_t connx_tensor_has_segment(const connx_tensor *tensor);

void connx_tensor_set_name(connx_tensor *tensor, const char *data, size_t length);
void connx_tensor_set_doc_string(connx_tensor *tensor, const char *data, size_t length);
void connx_tensor_set_data_type(connx_tensor *tensor, int32_t data_type);
void connx_tensor_set_dims(connx_tensor *tensor, const int64_t *dims, size_t count);
void connx_tensor_set_float_data(connx_tensor *tensor, const float *values, size_t count);
void connx_tensor_set_int32_data(connx_tensor *tensor, const int32_t *values, size_t count);
void connx_tensor_set_int64_data(connx_tensor *tensor, const int64_t *values, size_t count);
void connx_tensor_set_double_data(connx_tensor *tensor, const double *values, size_t count);
void connx_tensor_set_uint64_data(connx_tensor *tensor, const uint64_t *values, size_t count);
void connx_tensor_add_string_data(connx_tensor *tensor, const char *data, size_t length);
void connx_tensor_set_raw_data(connx_tensor *tensor, const void *data, size_t length);
void connx_tensor_set_data_location(connx_tensor *tensor, int32_t location);
void connx_tensor_add_external_data(connx_tensor *tensor, const char *key, size_t key_length,
                                    const char *value, size_t value_length);

/* ------------------------------------------------------------------ value info and types */

/** TypeProto kinds (the protobuf oneof field numbers). */
enum {
    CONNX_TYPE_NONE = 0,
    CONNX_TYPE_TENSOR = 1,
    CONNX_TYPE_SEQUENCE = 4,
    CONNX_TYPE_MAP = 5,
    CONNX_TYPE_OPAQUE = 7,
    CONNX_TYPE_SPARSE_TENSOR = 8,
    CONNX_TYPE_OPTIONAL = 9
};

/** TensorShapeProto.Dimension kinds. */
enum {
    CONNX_DIM_UNKNOWN = 0,
    CONNX_DIM_VALUE = 1,
    CONNX_DIM_PARAM = 2
};

connx_string connx_value_info_name(const connx_value_info *value);
connx_string connx_value_info_doc_string(const connx_value_info *value);
/** The type, or NULL when the value info has none. */
const connx_type *connx_value_info_type(const connx_value_info *value);

void connx_value_info_set_name(connx_value_info *value, const char *data, size_t length);
void connx_value_info_set_doc_string(connx_value_info *value, const char *data, size_t length);
connx_type *connx_value_info_mutable_type(connx_value_info *value);

int32_t connx_type_kind(const connx_type *type);
/** Element type of a tensor or sparse tensor type; key type of a map. */
int32_t connx_type_elem_type(const connx_type *type);
/** 1 when a tensor / sparse tensor type has a shape (rank known), else 0. */
int32_t connx_type_has_shape(const connx_type *type);
size_t connx_type_dim_count(const connx_type *type);
int32_t connx_type_dim_kind(const connx_type *type, size_t index);
int64_t connx_type_dim_value(const connx_type *type, size_t index);
connx_string connx_type_dim_param(const connx_type *type, size_t index);
/** Element type of a sequence or optional; value type of a map; NULL otherwise or when absent. */
const connx_type *connx_type_inner(const connx_type *type);

/** Makes `type` a tensor (or sparse tensor) type of `elem_type` without a shape. */
void connx_type_set_tensor(connx_type *type, int32_t elem_type);
void connx_type_set_sparse_tensor(connx_type *type, int32_t elem_type);
/** Adds an (initially rank-0) shape to a tensor / sparse tensor type; dims append to it. */
void connx_type_set_shape(connx_type *type);
void connx_type_add_dim_value(connx_type *type, int64_t value);
void connx_type_add_dim_param(connx_type *type, const char *data, size_t length);
void connx_type_add_dim_unknown(connx_type *type);
/** Makes `type` a sequence / optional and returns its element type to fill. */
connx_type *connx_type_set_sequence(connx_type *type);
connx_type *connx_type_set_optional(connx_type *type);
/** Makes `type` a map with `key_type` and returns its value type to fill. */
connx_type *connx_type_set_map(connx_type *type, int32_t key_type);
void connx_type_set_opaque(connx_type *type);

/* ------------------------------------------------------------------ model-local functions */

connx_string connx_function_name(const connx_function *function);
connx_string connx_function_domain(const connx_function *function);
connx_string connx_function_doc_string(const connx_function *function);
size_t connx_function_input_count(const connx_function *function);
connx_string connx_function_input(const connx_function *function, size_t index);
size_t connx_function_output_count(const connx_function *function);
connx_string connx_function_output(const connx_function *function, size_t index);
size_t connx_function_attribute_count(const connx_function *function);
connx_string connx_function_attribute(const connx_function *function, size_t index);
size_t connx_function_node_count(const connx_function *function);
const connx_node *connx_function_node(const connx_function *function, size_t index);
size_t connx_function_opset_count(const connx_function *function);
connx_string connx_function_opset_domain(const connx_function *function, size_t index);
int64_t connx_function_opset_version(const connx_function *function, size_t index);

void connx_function_set_name(connx_function *function, const char *data, size_t length);
void connx_function_set_domain(connx_function *function, const char *data, size_t length);
void connx_function_set_doc_string(connx_function *function, const char *data, size_t length);
void connx_function_add_input(connx_function *function, const char *data, size_t length);
void connx_function_add_output(connx_function *function, const char *data, size_t length);
void connx_function_add_attribute(connx_function *function, const char *data, size_t length);
connx_node *connx_function_add_node(connx_function *function);
void connx_function_add_opset(connx_function *function, const char *domain, size_t domain_length, int64_t version);

/* ------------------------------------------------------------------ advisory checks */

/**
 * Runs onnx::checker on the model. `model_dir` (may be NULL) is the folder that external data
 * locations are relative to; libonnx 1.12 only checks that those files exist. Returns CONNX_OK
 * or CONNX_ERROR_CHECK with the checker's message.
 */
int32_t connx_check_model(const connx_model *model, const char *model_dir, connx_error *error);

/**
 * Runs onnx::shape_inference::InferShapes on a copy of the model and returns that copy (its
 * graph value_info and outputs carry the inferred types); NULL with `error` filled on failure.
 * `strict` makes node-level inference errors fail instead of being skipped.
 */
connx_model *connx_infer_shapes(const connx_model *model, int32_t check_type, int32_t strict,
                                int32_t data_propagation, connx_error *error);

#ifdef __cplusplus
}
#endif

#endif /* CONNX_H */
