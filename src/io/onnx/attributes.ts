// Typed access to a node's attributes, with errors that name the node and the attribute.
import { type AttributeProto, type TensorProto, int64ToNumber } from './proto.js';

export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();

  constructor(list: readonly AttributeProto[], private readonly where: string) {
    for (const a of list) this.byName.set(a.name, a);
  }

  has(name: string): boolean { return this.byName.has(name); }
  names(): string[] { return [...this.byName.keys()]; }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? int64ToNumber(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? a.f ?? 0 : fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : fallback;
  }

  ints(name: string): number[] { return (this.byName.get(name)?.ints ?? []).map(int64ToNumber); }
  floats(name: string): number[] { return this.byName.get(name)?.floats ?? []; }
  strings(name: string): string[] { return (this.byName.get(name)?.strings ?? []).map((s) => new TextDecoder().decode(s)); }

  tensor(name: string): TensorProto {
    const t = this.byName.get(name)?.t;
    if (!t) throw new Error(`${this.where}: attribute '${name}' holds no tensor`);
    return t;
  }
}
