/**
 * Where images were last seen: image id → the compute resource it was listed under. Foreman
 * reads an image only under a parent, and a stable image id names none, so this says where to
 * look first (one `id ^ (…)` call per compute resource) before the fan-out over architectures.
 *
 * It is shared by every request, as a hint only: each lookup still reads Foreman with the caller's
 * own credentials, and an image not found where the hint says (moved, or not visible to this
 * caller) is looked for as if there were no hint. Bounded: the oldest entries go first (an image
 * seen again where it was keeps its place, so the hot path writes nothing).
 */
export class ImageLocations {
  readonly #computeResourceOf = new Map<number, number>();
  readonly #capacity: number;

  constructor(capacity = 50_000) {
    this.#capacity = capacity;
  }

  remember(imageId: number, computeResourceId: number): void {
    // Most rows are seen again where they were: nothing to do (eviction is oldest-first).
    if (this.#computeResourceOf.get(imageId) === computeResourceId) return;
    this.#computeResourceOf.delete(imageId);
    this.#computeResourceOf.set(imageId, computeResourceId);
    if (this.#computeResourceOf.size > this.#capacity) {
      const oldest = this.#computeResourceOf.keys().next().value;
      if (oldest !== undefined) this.#computeResourceOf.delete(oldest);
    }
  }

  computeResourceOf(imageId: number): number | undefined {
    return this.#computeResourceOf.get(imageId);
  }
}
