// An ordered list of tokens and the inverse map token -> id. Special tokens (<pad>, <unk>,
// <bos>, <eos>) exist only when asked for; they take the first ids in that order, as in
// torchtext, so `padId` is 0 whenever a pad token is requested.

import { compareCodePoints, describeToken } from './token-text.js';

export type SpecialRole = 'pad' | 'unk' | 'bos' | 'eos';
export type SpecialTokens = Partial<Record<SpecialRole, string>>;

export const SPECIAL_ROLES: readonly SpecialRole[] = ['pad', 'unk', 'bos', 'eos'];
export const DEFAULT_SPECIAL_TOKENS: Readonly<Record<SpecialRole, string>> = {
  pad: '<pad>', unk: '<unk>', bos: '<bos>', eos: '<eos>',
};

export interface VocabularyJSON {
  tokens: string[];
  specials: SpecialTokens;
}

export interface BuildOptions {
  /** Corpus tokens seen fewer times are left out (they map to <unk> if there is one). Default 1. */
  minCount?: number;
  /** Upper bound on the whole vocabulary, specials included; the rarest tokens are dropped. */
  maxSize?: number;
  /** Roles with their default strings (['pad', 'unk']) or explicit strings ({ unk: '[UNK]' }). */
  specials?: readonly SpecialRole[] | SpecialTokens;
  /**
   * 'frequency' (words): most frequent first, ties by code point.
   * 'codepoint' (characters): sorted by code point, like char-rnn / nanoGPT `sorted(set(text))`.
   */
  order?: 'frequency' | 'codepoint';
}

/** Where the i-th token of an encoded sequence came from, e.g. " at line 3, column 5 of a.txt". */
export type TokenLocator = (index: number) => string;

export class Vocabulary {
  readonly tokens: readonly string[];
  readonly specials: Readonly<SpecialTokens>;
  private readonly ids: Map<string, number>;

  constructor(tokens: readonly string[], specials: SpecialTokens = {}) {
    this.ids = validate(tokens, specials, 'Vocabulary');
    this.tokens = tokens.slice();
    this.specials = { ...specials };
  }

  /** Counts `corpus` and keeps tokens by `options` (see BuildOptions); deterministic. */
  static build(corpus: Iterable<string>, options: BuildOptions = {}): Vocabulary {
    const { minCount = 1, maxSize, order = 'frequency' } = options;
    if (!Number.isInteger(minCount) || minCount < 1) throw new Error(`Vocabulary.build: minCount must be an integer >= 1, got ${minCount}`);
    if (order !== 'frequency' && order !== 'codepoint') throw new Error(`Vocabulary.build: order must be 'frequency' or 'codepoint', got ${String(order)}`);
    const specials = resolveSpecials(options.specials);
    const specialTokens = SPECIAL_ROLES.flatMap((role) => (specials[role] === undefined ? [] : [specials[role]!]));
    if (maxSize !== undefined && (!Number.isInteger(maxSize) || maxSize < specialTokens.length)) {
      throw new Error(`Vocabulary.build: maxSize must be an integer >= the ${specialTokens.length} special tokens, got ${maxSize}`);
    }
    const counts = new Map<string, number>();
    for (const token of corpus) counts.set(token, (counts.get(token) ?? 0) + 1);
    const isSpecial = new Set(specialTokens);
    let kept = [...counts].filter(([token, count]) => count >= minCount && !isSpecial.has(token));
    // The frequency order decides which tokens survive maxSize in both orders.
    kept.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
    if (maxSize !== undefined) kept = kept.slice(0, maxSize - specialTokens.length);
    const words = kept.map(([token]) => token);
    if (order === 'codepoint') words.sort(compareCodePoints);
    return new Vocabulary([...specialTokens, ...words], specials);
  }

  static fromJSON(obj: unknown): Vocabulary {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new Error(`Vocabulary.fromJSON: expected an object { tokens: string[], specials: {...} }, got ${obj === null ? 'null' : Array.isArray(obj) ? 'an array' : typeof obj}`);
    }
    const { tokens, specials = {} } = obj as { tokens?: unknown; specials?: unknown };
    if (!Array.isArray(tokens)) throw new Error(`Vocabulary.fromJSON: "tokens" must be an array of strings, got ${typeof tokens}`);
    if (typeof specials !== 'object' || specials === null || Array.isArray(specials)) {
      throw new Error('Vocabulary.fromJSON: "specials" must be an object such as { "pad": "<pad>" }');
    }
    validate(tokens, specials as SpecialTokens, 'Vocabulary.fromJSON');
    return new Vocabulary(tokens as string[], specials as SpecialTokens);
  }

  toJSON(): VocabularyJSON {
    return { tokens: this.tokens.slice(), specials: { ...this.specials } };
  }

  get size(): number {
    return this.tokens.length;
  }

  get padId(): number | undefined { return this.roleId('pad'); }
  get unkId(): number | undefined { return this.roleId('unk'); }
  get bosId(): number | undefined { return this.roleId('bos'); }
  get eosId(): number | undefined { return this.roleId('eos'); }

  /** The id of a special token, or an error saying how to get one. */
  specialId(role: SpecialRole): number {
    const id = this.roleId(role);
    if (id === undefined) throw new Error(`Vocabulary: there is no ${role} token; build the vocabulary with specials: ['${role}', ...]`);
    return id;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of `token`; an unknown token maps to <unk> when there is one, otherwise throws. */
  idOf(token: string, where = ''): number {
    const id = this.ids.get(token);
    if (id !== undefined) return id;
    const unk = this.roleId('unk');
    if (unk !== undefined) return unk;
    throw new Error(`Vocabulary: unknown token ${describeToken(token)}${where}; the vocabulary (${this.size} tokens) has no unk token to map it to: `
      + 'build the vocabulary from this text too, or with specials: [\'unk\']');
  }

  tokenOf(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
      throw new Error(`Vocabulary: id ${id} is outside the vocabulary (valid ids are 0..${this.tokens.length - 1})`);
    }
    return this.tokens[id];
  }

  /** Ids of `tokens`; `locate(i)` names where token i came from in error messages. */
  encode(tokens: readonly string[], locate: TokenLocator = (i) => ` at token ${i}`): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const id = this.ids.get(tokens[i]);
      out[i] = id !== undefined ? id : this.idOf(tokens[i], locate(i));
    }
    return out;
  }

  /** Tokens of `ids`; `skipSpecials` drops pad/unk/bos/eos (e.g. for printing a translation). */
  decode(ids: ArrayLike<number>, options: { skipSpecials?: boolean } = {}): string[] {
    const skip = new Set<number>();
    if (options.skipSpecials) for (const role of SPECIAL_ROLES) { const id = this.roleId(role); if (id !== undefined) skip.add(id); }
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
        throw new Error(`Vocabulary.decode: id ${id} at position ${i} is outside the vocabulary (valid ids are 0..${this.tokens.length - 1})`);
      }
      if (!skip.has(id)) out.push(this.tokens[id]);
    }
    return out;
  }

  private roleId(role: SpecialRole): number | undefined {
    const token = this.specials[role];
    return token === undefined ? undefined : this.ids.get(token);
  }
}

function resolveSpecials(specials: BuildOptions['specials']): SpecialTokens {
  if (specials === undefined) return {};
  if (!Array.isArray(specials)) return { ...(specials as SpecialTokens) };
  const out: SpecialTokens = {};
  for (const role of specials as readonly string[]) {
    if (!SPECIAL_ROLES.includes(role as SpecialRole)) throw new Error(`Vocabulary.build: unknown special role "${role}" (known: ${SPECIAL_ROLES.join(', ')})`);
    out[role as SpecialRole] = DEFAULT_SPECIAL_TOKENS[role as SpecialRole];
  }
  return out;
}

/** Checks types, duplicates and that every special is one of the tokens; returns token -> id. */
function validate(tokens: readonly unknown[], specials: SpecialTokens, who: string): Map<string, number> {
  const ids = new Map<string, number>();
  tokens.forEach((token, i) => {
    if (typeof token !== 'string') throw new Error(`${who}: token ${i} must be a string, got ${token === null ? 'null' : typeof token} (${JSON.stringify(token)})`);
    const previous = ids.get(token);
    if (previous !== undefined) throw new Error(`${who}: duplicate token ${describeToken(token)} at ids ${previous} and ${i}`);
    ids.set(token, i);
  });
  for (const [role, token] of Object.entries(specials)) {
    if (!SPECIAL_ROLES.includes(role as SpecialRole)) throw new Error(`${who}: unknown special role "${role}" (known: ${SPECIAL_ROLES.join(', ')})`);
    if (token === undefined) continue;
    if (typeof token !== 'string') throw new Error(`${who}: special "${role}" must be a string, got ${typeof token}`);
    if (!ids.has(token)) throw new Error(`${who}: special "${role}" token ${describeToken(token)} is not among the ${tokens.length} tokens`);
  }
  return ids;
}
