/** Which base image a profile's ML variants build on. */
export enum ImageFlavor {
  /** `ml-base-cpu`: python-slim with PyTorch's CPU wheels. */
  CPU = 'cpu',
  /** `ml-base-cuda`: pytorch/pytorch's CUDA runtime image. */
  CUDA = 'cuda',
}
