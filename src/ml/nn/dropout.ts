/**
 * Inverted dropout (Srivastava et al., JMLR 15, 2014): in training each value is kept with probability 1 − p and
 * scaled by 1 / (1 − p), so inference is the identity and needs no rescaling. The mask is drawn by
 * {@link Dropout.sample} from a passed-in generator and then reused by `apply` and `backward` until the next draw,
 * which is what lets a gradient check hold one mask fixed.
 */
import { invalidInput } from "../../core/index.js";
import type { Rng } from "../random.js";

export class Dropout {
  readonly rate: number;
  /** 0 or 1 / (1 − rate) per value of the last draw. */
  mask = new Float64Array(0);

  constructor(rate: number) {
    if (!(rate >= 0 && rate < 1)) {
      throw invalidInput("dropout must be in [0, 1)", [{ field: "dropout", reason: `got ${rate}` }]);
    }
    this.rate = rate;
  }

  /** Draws a fresh mask for `count` values. */
  sample(rng: Rng, count: number): void {
    if (this.mask.length < count) this.mask = new Float64Array(count);
    const keep = 1 / (1 - this.rate);
    const m = this.mask;
    for (let i = 0; i < count; i++) m[i] = rng.next() < this.rate ? 0 : keep;
  }

  /** dst[i] = src[srcOffset + i] · mask[i] for i < count. */
  apply(src: Float64Array, srcOffset: number, dst: Float64Array, count: number): void {
    const m = this.mask;
    for (let i = 0; i < count; i++) dst[i] = src[srcOffset + i] * m[i];
  }

  /** In place: d[dOffset + i] · mask[i], the gradient through `apply`. */
  backward(d: Float64Array, dOffset: number, count: number): void {
    const m = this.mask;
    for (let i = 0; i < count; i++) d[dOffset + i] *= m[i];
  }
}
