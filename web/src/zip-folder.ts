/**
 * A folder as one .zip, written in the browser with no library: files stored (not
 * compressed; descriptors are a few kB), UTF-8 names, CRC-32 as the format asks.
 */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Little-endian fields of `sizes` bytes each (2 or 4). */
function fields(values: ReadonlyArray<[number, 2 | 4]>): Uint8Array {
  const out = new Uint8Array(values.reduce((n, [, size]) => n + size, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [value, size] of values) {
    if (size === 2) view.setUint16(at, value, true);
    else view.setUint32(at, value, true);
    at += size;
  }
  return out;
}

const UTF8_FLAG = 0x0800;
/** 1980-01-01 00:00 in DOS time: the archive's content, not its clock, makes it. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export function zipFiles(files: ReadonlyArray<{ name: string; text: string }>): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const file of files) {
    const name = encoder.encode(file.name);
    const data = encoder.encode(file.text);
    const crc = crc32(data);
    const common: Array<[number, 2 | 4]> = [
      [20, 2],
      [UTF8_FLAG, 2],
      [0, 2],
      [0, 2],
      [DOS_DATE, 2],
      [crc, 4],
      [data.length, 4],
      [data.length, 4],
      [name.length, 2],
      [0, 2],
    ];
    const local = [fields([[0x04034b50, 4], ...common]), name, data];
    central.push(fields([[0x02014b50, 4], [20, 2], ...common, [0, 2], [0, 2], [0, 2], [0, 4], [offset, 4]]), name);
    parts.push(...local);
    offset += local.reduce((n, p) => n + p.length, 0);
  }
  const size = central.reduce((n, p) => n + p.length, 0);
  const end = fields([
    [0x06054b50, 4],
    [0, 2],
    [0, 2],
    [files.length, 2],
    [files.length, 2],
    [size, 4],
    [offset, 4],
    [0, 2],
  ]);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
