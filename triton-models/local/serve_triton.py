"""Serves a distilbert_sst2 model version with a real NVIDIA Triton Inference Server on CPU, for local runs and
integration tests.

Triton's ONNX Runtime backend is not on PyPI, but NVIDIA's nvidia-pytriton package bundles the Triton server
binary (2.51) with its Python backend. This script binds a Python callable that runs the version's model.onnx
with ONNX Runtime, under the same contract as triton-models/repository/distilbert_sst2/config.pbtxt: model distilbert_sst2,
inputs input_ids/attention_mask INT64 [-1] (batch dimension implicit), output logits FP32 [2], Triton's dynamic
batcher, a pinned version, and the tokenizer hash published as the `tokenizer_sha256` parameter. Requests are
handled by Triton itself (KServe v2 HTTP/gRPC, statistics, metrics); only the model execution is Python.

  .venv/bin/python triton-models/local/serve_triton.py --model-repo .local/models/tiny --model-version 1 \
      --http-port 8000 --grpc-port 8001 --metrics-port 8002 [--batching on|off] [--max-batch-size 16] \
      [--max-queue-delay-us 2000] [--preferred-batch-sizes 4,8,16] [--instances 1] [--intra-op-threads 1]

Prints `READY <http url>` on stdout once the model is loaded and ready; stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import signal
import sys
import sysconfig
import threading

MODEL_NAME = "distilbert_sst2"
TOKENIZER_SHA_PARAMETER = "tokenizer_sha256"
DEFAULT_PREFERRED_BATCH_SIZES = (4, 8, 16)


def fail(message: str) -> None:
    print(f"serve_triton: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def use_matching_libpython() -> None:
    """Makes Triton's Python-backend stub load the libpython of the interpreter running this script.

    The bundled stub links against libpython3.X.so.1.0. Found through the system search path it may be the OS
    Python (Debian 12: 3.11.2) while the environment's standard library comes from another patch release
    (pyenv 3.11.7); that mix fails inside multiprocessing ('_thread.RLock' object has no attribute
    '_recursion_count'). Putting this interpreter's own shared library first on LD_LIBRARY_PATH, which Triton and
    its stub processes inherit, keeps library and standard library from the same build.
    """
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    ldlibrary = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY") or ""
    if sysconfig.get_config_var("Py_ENABLE_SHARED") and os.path.exists(os.path.join(libdir, ldlibrary)):
        current = os.environ.get("LD_LIBRARY_PATH", "")
        if libdir not in current.split(":"):
            os.environ["LD_LIBRARY_PATH"] = f"{libdir}:{current}" if current else libdir
        return
    fail(
        f"this Python ({sys.version.split()[0]}) has no shared libpython, which Triton's Python backend needs; "
        "use a Python built with --enable-shared (the OS python3 or pyenv with PYTHON_CONFIGURE_OPTS=--enable-shared)"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve distilbert_sst2 with a local CPU Triton (pytriton).")
    parser.add_argument("--model-repo", required=True, help="Triton-layout repository: <repo>/distilbert_sst2/<v>/")
    parser.add_argument("--model-version", required=True, type=int, help="version folder to serve (pinned)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument("--grpc-port", type=int, default=8001)
    parser.add_argument("--metrics-port", type=int, default=8002)
    parser.add_argument("--batching", choices=["on", "off"], default="on", help="Triton dynamic batcher")
    parser.add_argument("--max-batch-size", type=int, default=16)
    parser.add_argument("--max-queue-delay-us", type=int, default=2000)
    parser.add_argument(
        "--queue-timeout-us",
        type=int,
        default=0,
        help="queue policy: reject requests queued longer than this (0 = no policy); requests may shorten it",
    )
    parser.add_argument("--max-queue-size", type=int, default=0, help="queue policy: bound on queued requests")
    parser.add_argument("--preferred-batch-sizes", default="", help="e.g. 4,8,16 (default: 4,8,16 capped)")
    parser.add_argument("--intra-op-threads", type=int, default=1, help="ONNX Runtime threads per instance (default 1)")
    parser.add_argument(
        "--instances", type=int, default=1, help="model instances, each its own ONNX Runtime session (default 1)"
    )
    parser.add_argument(
        "--model-file", default="model.onnx", help="file in the version folder to run (model.int8.onnx: int8)"
    )
    parser.add_argument("--log-verbose", type=int, default=0)
    args = parser.parse_args()
    if args.max_batch_size < 1:
        parser.error("--max-batch-size must be >= 1 (the contract requires a batch dimension)")
    if args.max_queue_delay_us < 0:
        parser.error("--max-queue-delay-us must be >= 0")
    if args.model_version < 1:
        parser.error("--model-version must be a positive integer")
    if args.instances < 1:
        parser.error("--instances must be >= 1")
    return args


def main() -> None:
    args = parse_args()
    version_dir = pathlib.Path(args.model_repo) / MODEL_NAME / str(args.model_version)
    if "/" in args.model_file or not args.model_file.endswith(".onnx"):
        fail(f"--model-file must be a .onnx file name inside the version folder, got {args.model_file!r}")
    model_path = version_dir / args.model_file
    tokenizer_path = version_dir / "tokenizer.json"
    for required in (model_path, tokenizer_path):
        if not required.is_file():
            fail(f"{required} is missing (run `npm run setup`, or generate/export a model; see docs/models.md)")
    info_path = version_dir / "model-info.json"
    info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    tokenizer_sha = hashlib.sha256(tokenizer_path.read_bytes()).hexdigest()
    if info.get("tokenizerSha256") not in (None, tokenizer_sha):
        fail(f"{tokenizer_path} does not match the tokenizerSha256 in {info_path}")

    use_matching_libpython()
    try:
        import numpy as np
        import onnxruntime as ort
        from pytriton.decorators import batch
        from pytriton.model_config import DynamicBatcher, ModelConfig, QueuePolicy, Tensor, TimeoutAction
        from pytriton.triton import Triton, TritonConfig, TritonSecurityConfig
    except ImportError as error:
        fail(f"{error}; run scripts/setup.d/10-python.sh and start this with .venv/bin/python")

    def make_infer():
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.intra_op_threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])

        @batch
        def infer(input_ids: np.ndarray, attention_mask: np.ndarray) -> dict:
            # Triton's batcher concatenates requests of the same shape along the batch axis: [batch, sequence].
            logits = session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})[0]
            return {"logits": logits.astype(np.float32, copy=False)}

        return infer

    # pytriton makes one model instance per callable (Triton's instance_group count): each runs its own session,
    # so two instances can execute two batches at once.
    infer_funcs = [make_infer() for _ in range(args.instances)]

    if args.batching == "on":
        preferred = (
            [int(s) for s in args.preferred_batch_sizes.split(",") if s.strip()]
            if args.preferred_batch_sizes
            else [s for s in DEFAULT_PREFERRED_BATCH_SIZES if s <= args.max_batch_size]
        )
        # The same queue policy as the rendered config.pbtxt: late requests are rejected, never run.
        policy = (
            QueuePolicy(
                timeout_action=TimeoutAction.REJECT,
                default_timeout_microseconds=args.queue_timeout_us,
                allow_timeout_override=True,
                max_queue_size=args.max_queue_size,
            )
            if args.queue_timeout_us > 0
            else None
        )
        batcher = DynamicBatcher(
            max_queue_delay_microseconds=args.max_queue_delay_us,
            preferred_batch_size=preferred,
            default_queue_policy=policy,
        )
    else:
        batcher = None  # max_batch_size stays > 0 (requests keep their batch axis) but Triton forms no batches
    config = ModelConfig(batching=True, max_batch_size=args.max_batch_size, batcher=batcher)

    triton_config = TritonConfig(
        http_address=args.host,
        http_port=args.http_port,
        grpc_address=args.host,
        grpc_port=args.grpc_port,
        metrics_port=args.metrics_port,
        allow_gpu_metrics=False,
        log_verbose=args.log_verbose,
        exit_on_error=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    # Statistics stay readable without pytriton's generated access token: tests and benchmarks read them to see
    # the batches Triton formed. Model-repository control, shared memory, tracing and logging stay token-only.
    security = TritonSecurityConfig(restricted_endpoints=["shared-memory", "model-repository", "trace", "logging"])
    # Not `with Triton(...)`: entering the context starts the server, and a model bound to a running server is
    # loaded at once, before publish_tokenizer_hash could add the hash to its config.
    triton = Triton(config=triton_config, security_config=security)
    try:
        triton.bind(
            model_name=MODEL_NAME,
            model_version=args.model_version,
            infer_func=infer_funcs if len(infer_funcs) > 1 else infer_funcs[0],
            inputs=[
                Tensor(name="input_ids", dtype=np.int64, shape=(-1,)),
                Tensor(name="attention_mask", dtype=np.int64, shape=(-1,)),
            ],
            outputs=[Tensor(name="logits", dtype=np.float32, shape=(2,))],
            config=config,
            strict=True,
        )
        publish_tokenizer_hash(triton, tokenizer_sha)
        triton.run()
        print(
            f"READY http://{args.host}:{args.http_port} model={MODEL_NAME} version={args.model_version} "
            f"batching={args.batching} max_batch_size={args.max_batch_size} "
            f"max_queue_delay_us={args.max_queue_delay_us if args.batching == 'on' else 0} instances={args.instances} "
            f"synthetic={str(info.get('synthetic')).lower()}",
            flush=True,
        )
        stop.wait()
        print("serve_triton: stopping", flush=True)
    finally:
        triton.stop()


def publish_tokenizer_hash(triton, tokenizer_sha: str) -> None:
    """Adds the tokenizer hash to the model config's parameters, like the real config.pbtxt does.

    pytriton (pinned 0.7.0) has no public option for extra config parameters; its generated config carries the
    model's backend_parameters, so we add ours there before the model is loaded. If a pytriton upgrade changes
    these internals, this fails loudly rather than serving without the hash.
    """
    try:
        manager = triton._model_manager  # noqa: SLF001 - no public API for config parameters
        models = list(manager.models)
        for model in models:
            model._get_triton_model_config().backend_parameters[TOKENIZER_SHA_PARAMETER] = tokenizer_sha  # noqa: SLF001
    except AttributeError as error:
        fail(f"cannot publish {TOKENIZER_SHA_PARAMETER} with this pytriton version ({error}); pin nvidia-pytriton==0.7.0")
    if not models:
        fail("no model bound before publishing the tokenizer hash")


if __name__ == "__main__":
    main()
