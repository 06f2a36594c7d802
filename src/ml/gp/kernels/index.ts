export { ConstantKernel, type ConstantKernelOptions } from "./constant.js";
export { DotProductKernel, type DotProductKernelOptions } from "./dot-product.js";
export { ExpSineSquaredKernel, type ExpSineSquaredKernelOptions } from "./exp-sine-squared.js";
export { ExponentiationKernel, powerOf } from "./exponentiation.js";
export {
  BaseKernel,
  type Bounds,
  type ConstantKernelJSON,
  DEFAULT_BOUNDS,
  type DotProductKernelJSON,
  type ExponentiationKernelJSON,
  type ExpSineSquaredKernelJSON,
  type Hyperparameter,
  type Kernel,
  type KernelJSON,
  type KernelWithGradient,
  type MaternKernelJSON,
  type ProductKernelJSON,
  type RationalQuadraticKernelJSON,
  type RBFKernelJSON,
  type SumKernelJSON,
  type WhiteKernelJSON,
} from "./kernel.js";
export { KERNEL_TYPES, kernelFromJSON } from "./kernel-json.js";
export { KernelOperator } from "./kernel-operator.js";
export { MaternKernel, type MaternKernelOptions, type MaternNu } from "./matern.js";
export { ProductKernel, productOf } from "./product.js";
export { RationalQuadraticKernel, type RationalQuadraticKernelOptions } from "./rational-quadratic.js";
export { RBFKernel, type RBFKernelOptions } from "./rbf.js";
export { SumKernel, sumOf } from "./sum.js";
export { WhiteKernel, type WhiteKernelOptions } from "./white.js";
