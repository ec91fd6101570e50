/**
 * The torch / Python / CUDA combinations the base images can be built from, checked against upstream.
 *
 * Sources (2026-11):
 * - pytorch/pytorch on Docker Hub publishes `<torch>-cuda<X.Y>-cudnn<N>-runtime` tags; cuDNN 8 for torch 2.1–2.3,
 *   cuDNN 9 from 2.4 (e.g. `2.4.1-cuda12.4-cudnn9-runtime`, `2.3.1-cuda12.1-cudnn8-runtime`).
 * - PyTorch "Previous versions" page (pytorch.org/get-started/previous-versions): torch 2.1–2.3 ship CUDA 11.8 and
 *   12.1 wheels; 2.4 and 2.5 ship 11.8, 12.1 and 12.4; the matching torchvision releases.
 * - CPU wheels on download.pytorch.org/whl/cpu: Python 3.8–3.11 for torch 2.1, 3.8–3.12 for 2.2–2.4, 3.9–3.12 for 2.5
 *   (3.13 wheels of 2.5 are experimental and left out).
 * pytorch/pytorch publishes no amd64 CPU image, so the CPU flavor starts from `python:<py>-slim-bookworm`.
 */
export interface TorchRelease {
  /** The pinned torch release installed for this minor version. */
  readonly torch: string;
  /** The torchvision release built against it. */
  readonly torchvision: string;
  /** cuDNN major version in the pytorch/pytorch runtime images. */
  readonly cudnn: number;
  /** CUDA versions with published images and wheels. */
  readonly cuda: readonly string[];
  /** Python versions with CPU wheels. */
  readonly python: readonly string[];
}

/** Supported torch minor versions and what each is published with (sources above). */
export const TORCH_RELEASES: Readonly<Record<string, TorchRelease>> = {
  '2.1': { torch: '2.1.2', torchvision: '0.16.2', cudnn: 8, cuda: ['11.8', '12.1'], python: ['3.8', '3.9', '3.10', '3.11'] },
  '2.2': { torch: '2.2.2', torchvision: '0.17.2', cudnn: 8, cuda: ['11.8', '12.1'], python: ['3.8', '3.9', '3.10', '3.11', '3.12'] },
  '2.3': { torch: '2.3.1', torchvision: '0.18.1', cudnn: 8, cuda: ['11.8', '12.1'], python: ['3.8', '3.9', '3.10', '3.11', '3.12'] },
  '2.4': { torch: '2.4.1', torchvision: '0.19.1', cudnn: 9, cuda: ['11.8', '12.1', '12.4'], python: ['3.8', '3.9', '3.10', '3.11', '3.12'] },
  '2.5': { torch: '2.5.1', torchvision: '0.20.1', cudnn: 9, cuda: ['11.8', '12.1', '12.4'], python: ['3.9', '3.10', '3.11', '3.12'] },
};

/** Every supported `torch/python` pair of the CPU flavor, for error messages. */
export function supportedCpuPairs(): string[] {
  return Object.entries(TORCH_RELEASES).map(([t, r]) => `torch ${t} with python ${r.python.join('|')}`);
}

/** Every supported `torch/cuda` pair of the CUDA flavor, for error messages. */
export function supportedCudaPairs(): string[] {
  return Object.entries(TORCH_RELEASES).map(([t, r]) => `torch ${t} with cuda ${r.cuda.join('|')}`);
}
