"""Stands in for Triton's ONNX Runtime backend, which the Triton build bundled in nvidia-pytriton does not carry.

Installed as the Python-based backend named `onnxruntime` (backends/onnxruntime/model.py), it serves any model
whose config says `platform: "onnxruntime_onnx"`, exactly as the stack uploads it: it reads the version's ONNX
file from the directory Triton localised (for an S3 repository, the objects Triton downloaded) and runs it with
ONNX Runtime on CPU under the config's input and output names.
"""

import json
import os

import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        filename = config.get("default_model_filename") or "model.onnx"
        path = os.path.join(args["model_repository"], args["model_version"], filename)
        self.session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.inputs = [tensor["name"] for tensor in config["input"]]
        self.outputs = [tensor["name"] for tensor in config["output"]]

    def execute(self, requests):
        responses = []
        for request in requests:
            feeds = {name: pb_utils.get_input_tensor_by_name(request, name).as_numpy() for name in self.inputs}
            values = self.session.run(self.outputs, feeds)
            tensors = [pb_utils.Tensor(name, value) for name, value in zip(self.outputs, values)]
            responses.append(pb_utils.InferenceResponse(tensors))
        return responses
