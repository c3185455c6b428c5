// Finds where a byte buffer stops being valid UTF-8, so a corpus error can point at the
// offending byte instead of only saying that decoding failed (TextDecoder gives no offset).

/** Byte offset of the first ill-formed UTF-8 sequence (RFC 3629 rules), or -1 if none. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) { i++; continue; }
    let continuation: number;
    if (b >= 0xc2 && b <= 0xdf) continuation = 1;
    else if (b >= 0xe0 && b <= 0xef) continuation = 2;
    else if (b >= 0xf0 && b <= 0xf4) continuation = 3;
    else return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= continuation; k++) {
      if (i + k >= n) return i;
      const c = bytes[i + k];
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += continuation + 1;
  }
  return -1;
}
