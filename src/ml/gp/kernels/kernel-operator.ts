import { invalidInput } from "../../../core/index.js";
import { BaseKernel, countFree, type Hyperparameter, type Kernel } from "./kernel.js";

/**
 * A kernel built from two others (scikit-learn's `KernelOperator`): its hyperparameters are k1's then k2's, named
 * `k1__…` / `k2__…`, and θ is the concatenation of the two θ vectors.
 */
export abstract class KernelOperator extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  /** The lengths of k1's and k2's θ: where k2's gradient rows start in a row evaluation. */
  protected readonly k1Free: number;
  protected readonly k2Free: number;

  constructor(
    readonly k1: Kernel,
    readonly k2: Kernel,
  ) {
    super();
    this.hyperparameters = [
      ...k1.hyperparameters.map((h) => ({ ...h, name: `k1__${h.name}` })),
      ...k2.hyperparameters.map((h) => ({ ...h, name: `k2__${h.name}` })),
    ];
    this.k1Free = countFree(k1.hyperparameters);
    this.k2Free = countFree(k2.hyperparameters);
  }

  /** θ split into k1's and k2's parts (views, no copy). */
  protected splitTheta(theta: Float64Array): [Float64Array, Float64Array] {
    const n1 = this.k1Free;
    const n2 = this.k2Free;
    if (theta.length !== n1 + n2) {
      throw invalidInput("theta has the wrong length for this kernel", [
        { field: "theta", reason: `expected ${n1 + n2} values, got ${theta.length}` },
      ]);
    }
    return [theta.subarray(0, n1), theta.subarray(n1)];
  }
}
