// GraphProto and NodeProto: read and build.
#include "Common.hpp"

using namespace connx;
using onnx::GraphProto;
using onnx::NodeProto;
using onnx::ValueInfoProto;

namespace {

const google::protobuf::RepeatedPtrField<ValueInfoProto> *valueList(const GraphProto &graph, int32_t list) {
    switch (list) {
    case CONNX_GRAPH_INPUTS: return &graph.input();
    case CONNX_GRAPH_OUTPUTS: return &graph.output();
    case CONNX_GRAPH_VALUE_INFO: return &graph.value_info();
    default: return nullptr;
    }
}

} // namespace

extern "C" {

connx_string connx_graph_name(const connx_graph *graph) {
    return graph ? view(as<GraphProto>(graph)->name()) : emptyString();
}

connx_string connx_graph_doc_string(const connx_graph *graph) {
    return graph ? view(as<GraphProto>(graph)->doc_string()) : emptyString();
}

size_t connx_graph_node_count(const connx_graph *graph) {
    return graph ? static_cast<size_t>(as<GraphProto>(graph)->node_size()) : 0;
}

const connx_node *connx_graph_node(const connx_graph *graph, size_t index) {
    return graph ? messageAt<connx_node>(as<GraphProto>(graph)->node(), index) : nullptr;
}

size_t connx_graph_initializer_count(const connx_graph *graph) {
    return graph ? static_cast<size_t>(as<GraphProto>(graph)->initializer_size()) : 0;
}

const connx_tensor *connx_graph_initializer(const connx_graph *graph, size_t index) {
    return graph ? messageAt<connx_tensor>(as<GraphProto>(graph)->initializer(), index) : nullptr;
}

size_t connx_graph_sparse_initializer_count(const connx_graph *graph) {
    return graph ? static_cast<size_t>(as<GraphProto>(graph)->sparse_initializer_size()) : 0;
}

size_t connx_graph_value_count(const connx_graph *graph, int32_t list) {
    if (graph == nullptr) return 0;
    const auto *values = valueList(*as<GraphProto>(graph), list);
    return values ? static_cast<size_t>(values->size()) : 0;
}

const connx_value_info *connx_graph_value(const connx_graph *graph, int32_t list, size_t index) {
    if (graph == nullptr) return nullptr;
    const auto *values = valueList(*as<GraphProto>(graph), list);
    return values ? messageAt<connx_value_info>(*values, index) : nullptr;
}

void connx_graph_set_name(connx_graph *graph, const char *data, size_t length) {
    if (graph) as<GraphProto>(graph)->set_name(text(data, length));
}

void connx_graph_set_doc_string(connx_graph *graph, const char *data, size_t length) {
    if (graph) as<GraphProto>(graph)->set_doc_string(text(data, length));
}

connx_node *connx_graph_add_node(connx_graph *graph) {
    return graph ? handle<connx_node>(as<GraphProto>(graph)->add_node()) : nullptr;
}

connx_tensor *connx_graph_add_initializer(connx_graph *graph) {
    return graph ? handle<connx_tensor>(as<GraphProto>(graph)->add_initializer()) : nullptr;
}

connx_value_info *connx_graph_add_value(connx_graph *graph, int32_t list) {
    if (graph == nullptr) return nullptr;
    auto *proto = as<GraphProto>(graph);
    switch (list) {
    case CONNX_GRAPH_INPUTS: return handle<connx_value_info>(proto->add_input());
    case CONNX_GRAPH_OUTPUTS: return handle<connx_value_info>(proto->add_output());
    case CONNX_GRAPH_VALUE_INFO: return handle<connx_value_info>(proto->add_value_info());
    default: return nullptr;
    }
}

// MARK: node

connx_string connx_node_name(const connx_node *node) {
    return node ? view(as<NodeProto>(node)->name()) : emptyString();
}

connx_string connx_node_op_type(const connx_node *node) {
    return node ? view(as<NodeProto>(node)->op_type()) : emptyString();
}

connx_string connx_node_domain(const connx_node *node) {
    return node ? view(as<NodeProto>(node)->domain()) : emptyString();
}

connx_string connx_node_doc_string(const connx_node *node) {
    return node ? view(as<NodeProto>(node)->doc_string()) : emptyString();
}

size_t connx_node_input_count(const connx_node *node) {
    return node ? static_cast<size_t>(as<NodeProto>(node)->input_size()) : 0;
}

connx_string connx_node_input(const connx_node *node, size_t index) {
    return node ? stringAt(as<NodeProto>(node)->input(), index) : emptyString();
}

size_t connx_node_output_count(const connx_node *node) {
    return node ? static_cast<size_t>(as<NodeProto>(node)->output_size()) : 0;
}

connx_string connx_node_output(const connx_node *node, size_t index) {
    return node ? stringAt(as<NodeProto>(node)->output(), index) : emptyString();
}

size_t connx_node_attribute_count(const connx_node *node) {
    return node ? static_cast<size_t>(as<NodeProto>(node)->attribute_size()) : 0;
}

const connx_attribute *connx_node_attribute(const connx_node *node, size_t index) {
    return node ? messageAt<connx_attribute>(as<NodeProto>(node)->attribute(), index) : nullptr;
}

void connx_node_set_name(connx_node *node, const char *data, size_t length) {
    if (node) as<NodeProto>(node)->set_name(text(data, length));
}

void connx_node_set_op_type(connx_node *node, const char *data, size_t length) {
    if (node) as<NodeProto>(node)->set_op_type(text(data, length));
}

void connx_node_set_domain(connx_node *node, const char *data, size_t length) {
    if (node) as<NodeProto>(node)->set_domain(text(data, length));
}

void connx_node_set_doc_string(connx_node *node, const char *data, size_t length) {
    if (node) as<NodeProto>(node)->set_doc_string(text(data, length));
}

void connx_node_add_input(connx_node *node, const char *data, size_t length) {
    if (node) as<NodeProto>(node)->add_input(text(data, length));
}

void connx_node_add_output(connx_node *node, const char *data, size_t length) {
    if (node) as<NodeProto>(node)->add_output(text(data, length));
}

connx_attribute *connx_node_add_attribute(connx_node *node) {
    return node ? handle<connx_attribute>(as<NodeProto>(node)->add_attribute()) : nullptr;
}

} // extern "C"
