// The advisory checks libonnx offers (checker and shape inference) and the facts about what
// this libonnx knows, so the Swift side can decide when the checks apply.
#include <exception>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "Common.hpp"
#include "onnx/checker.h"
#include "onnx/common/version.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"

using namespace connx;
using onnx::ModelProto;

namespace {

// libonnx 1.12 declares check_model(ModelProto) and check_model(path) only; neither lets an
// in-memory model name the folder its external data lives in. This repeats the model-level
// checks of its check_model(ModelProto, CheckerContext&) with the public building blocks.
void checkModel(const ModelProto &model, const char *modelDir) {
    onnx::checker::CheckerContext context;
    if (modelDir != nullptr) context.set_model_dir(modelDir);
    if (!model.ir_version()) {
        fail_check("The model does not have an ir_version set properly.");
    }
    if (model.ir_version() > onnx::IR_VERSION) {
        fail_check("Your model ir_version is higher than the checker's.");
    }
    std::unordered_set<std::string> keys;
    for (const auto &entry : model.metadata_props()) {
        if (!keys.insert(entry.key()).second) {
            fail_check("Your model has duplicate keys in metadata_props.");
        }
    }
    context.set_ir_version(static_cast<int>(model.ir_version()));
    std::unordered_map<std::string, int> opsetImports;
    for (const auto &opset : model.opset_import()) {
        opsetImports[opset.domain()] = static_cast<int>(opset.version());
    }
    if (model.ir_version() >= 3) {
        if (opsetImports.empty()) {
            fail_check("model with IR version >= 3 must specify opset_import for ONNX");
        }
    } else if (opsetImports.empty()) {
        opsetImports[onnx::ONNX_DOMAIN] = 1;
    } else {
        fail_check("model with IR version < 3 cannot have opset_import specified");
    }
    context.set_opset_imports(opsetImports);
    onnx::checker::LexicalScopeContext lexicalScope;
    onnx::checker::check_graph(model.graph(), context, lexicalScope);
    if (context.get_ir_version() >= 0x00000008) {
        onnx::checker::check_model_local_functions(model, context, lexicalScope);
    }
}

} // namespace

extern "C" {

int64_t connx_max_ir_version(void) {
    return static_cast<int64_t>(onnx::IR_VERSION);
}

int64_t connx_max_opset_version(const char *domain, size_t domain_length) {
    try {
        std::string name = text(domain, domain_length);
        if (name == "ai.onnx") name = onnx::ONNX_DOMAIN;
        const auto &ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
        const auto found = ranges.find(name);
        return found == ranges.end() ? 0 : static_cast<int64_t>(found->second.second);
    } catch (...) {
        return 0;
    }
}

const char *connx_onnx_version(void) {
    return onnx::LAST_RELEASE_VERSION;
}

int32_t connx_check_model(const connx_model *model, const char *model_dir, connx_error *error) {
    if (model == nullptr) return fail(error, CONNX_ERROR_ARGUMENT, "no model to check");
    try {
        checkModel(*as<ModelProto>(model), model_dir);
        succeed(error);
        return CONNX_OK;
    } catch (const onnx::checker::ValidationError &exception) {
        return fail(error, CONNX_ERROR_CHECK, exception.what());
    } catch (const std::exception &exception) {
        return fail(error, CONNX_ERROR_CHECK, exception.what());
    } catch (...) {
        return fail(error, CONNX_ERROR_INTERNAL, "the checker failed with an unknown exception");
    }
}

connx_model *connx_infer_shapes(const connx_model *model, int32_t check_type, int32_t strict,
                                int32_t data_propagation, connx_error *error) {
    if (model == nullptr) {
        fail(error, CONNX_ERROR_ARGUMENT, "no model for shape inference");
        return nullptr;
    }
    try {
        auto copy = std::make_unique<ModelProto>(*as<ModelProto>(model));
        onnx::ShapeInferenceOptions options(check_type != 0, strict != 0 ? 1 : 0, data_propagation != 0);
        onnx::shape_inference::InferShapes(*copy, onnx::OpSchemaRegistry::Instance(), options);
        succeed(error);
        return handle<connx_model>(copy.release());
    } catch (const std::exception &exception) {
        fail(error, CONNX_ERROR_INFERENCE, exception.what());
    } catch (...) {
        fail(error, CONNX_ERROR_INTERNAL, "shape inference failed with an unknown exception");
    }
    return nullptr;
}

} // extern "C"
