"""Which compute backend this llama.cpp build can use, detected at run time.

``llama_supports_gpu_offload()`` says whether any GPU-like device is registered; the device list
(through ggml's C API, which llama-cpp-python does not wrap) names it: ``CUDA0``, ``ROCm0``,
``Vulkan0``, ``MTL0`` (Metal) or only ``CPU``.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import llama_cpp
from llama_cpp import _ggml

_DEVICE_TYPES = {0: "CPU", 1: "GPU", 2: "IGPU", 3: "ACCEL"}
_FAMILIES = (("CUDA", "CUDA"), ("ROCM", "ROCm"), ("HIP", "ROCm"), ("VULKAN", "Vulkan"), ("MTL", "Metal"),
             ("METAL", "Metal"), ("SYCL", "SYCL"), ("OPENCL", "OpenCL"))


@dataclass(frozen=True)
class Device:
    name: str
    description: str
    kind: str  # CPU | GPU | IGPU | ACCEL

    @property
    def family(self) -> str:
        upper = self.name.upper()
        for prefix, family in _FAMILIES:
            if upper.startswith(prefix):
                return family
        return "CPU" if self.kind == "CPU" else self.name


@dataclass(frozen=True)
class BackendInfo:
    """What the engine runs on, and why (shown in the status bar and ``inhouse doctor``)."""

    name: str  # "CPU" | "CUDA" | "Metal" | "Vulkan" | "ROCm" | ...
    n_gpu_layers: int
    reason: str
    devices: tuple[Device, ...] = ()


def list_devices() -> tuple[Device, ...]:
    """The ggml backend devices registered in this build (empty if the C API is unavailable)."""
    try:
        lib = _ggml.libggml
        lib.ggml_backend_dev_count.restype = ctypes.c_size_t
        lib.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
        lib.ggml_backend_dev_get.restype = ctypes.c_void_p
        for fn in (lib.ggml_backend_dev_name, lib.ggml_backend_dev_description):
            fn.argtypes = [ctypes.c_void_p]
            fn.restype = ctypes.c_char_p
        lib.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
        lib.ggml_backend_dev_type.restype = ctypes.c_int
        devices = []
        for i in range(lib.ggml_backend_dev_count()):
            dev = lib.ggml_backend_dev_get(i)
            devices.append(Device(
                name=(lib.ggml_backend_dev_name(dev) or b"?").decode(errors="replace"),
                description=(lib.ggml_backend_dev_description(dev) or b"").decode(errors="replace"),
                kind=_DEVICE_TYPES.get(lib.ggml_backend_dev_type(dev), "?"),
            ))
        return tuple(devices)
    except (AttributeError, OSError):
        return ()


def supports_gpu_offload() -> bool:
    return bool(llama_cpp.llama_supports_gpu_offload())


def plan(want_gpu: bool = True) -> BackendInfo:
    """The backend to try first: all layers on the first GPU device when the build can offload."""
    devices = list_devices()
    gpus = [d for d in devices if d.kind in ("GPU", "IGPU", "ACCEL")]
    if not want_gpu:
        return BackendInfo("CPU", 0, "GPU offload turned off (INHOUSE_GPU=0)", devices)
    if not supports_gpu_offload() or not gpus:
        return BackendInfo("CPU", 0, "this llama.cpp build has no GPU backend (CPU-only build)", devices)
    gpu = gpus[0]
    return BackendInfo(gpu.family, -1, f"GPU offload supported: {gpu.name} ({gpu.description})", devices)


def cpu_fallback(failed: BackendInfo, error: str) -> BackendInfo:
    return BackendInfo("CPU", 0, f"{failed.name} offload failed ({error}); fell back to the CPU", failed.devices)
